import { randomUUID } from 'node:crypto';
import { adminHeaders, authHeaders } from '../auth/auth-headers';

/** `PUT /inventory/:sku` as an admin: sets what can be sold of `sku`. */
export async function putStock(inventoryUrl: string, sku: string, available: number): Promise<Response> {
  return fetch(`${inventoryUrl}/inventory/${sku}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
    body: JSON.stringify({ available }),
  });
}

export interface OrderRequest {
  sku: string;
  quantity?: number;
  country?: string;
  /** The Idempotency-Key; a new one by default. */
  key?: string;
  headers?: Record<string, string>;
}

/** `POST /orders` of one line as `customer` (the bearer token's subject). */
export async function postOrder(
  orderUrl: string,
  customer: string,
  { sku, quantity = 1, country = 'DE', key = randomUUID(), headers = {} }: OrderRequest,
): Promise<Response> {
  return fetch(`${orderUrl}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      ...(await authHeaders(customer)),
      ...headers,
    },
    body: JSON.stringify({ items: [{ sku, quantity }], shippingAddress: { country } }),
  });
}
