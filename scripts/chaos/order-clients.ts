import { randomUUID } from 'node:crypto';
import { authHeaders } from '../auth/auth-headers';
import { retryAfterMs } from '../http/retry-after';
import type { Cluster } from './cluster';

export interface OrderRequest {
  customerId: string;
  items: Array<{ sku: string; quantity: number }>;
  shippingAddress: { country: string };
}

export interface ClientStats {
  /** Every order id the service answered for each Idempotency-Key (more than one is a violation). */
  answers: Map<string, Set<string>>;
  retries: number;
  /** 503s with Retry-After: the service shed the request, and the client waited as told. */
  shed: number;
  gaveUp: number;
  /** Answers no retry can fix (4xx other than 409): a broken contract, reported as a violation. */
  rejected: string[];
}

export function newClientStats(): ClientStats {
  return { answers: new Map(), retries: 0, shed: 0, gaveUp: 0, rejected: [] };
}

const REQUEST_TIMEOUT_MS = 5000;

/** Exponential backoff with full jitter, capped at 2 s. */
function backoffMs(attempt: number): number {
  return Math.min(2000, 100 * 2 ** Math.min(attempt, 5)) * Math.random();
}

/**
 * One client placing one order as a careful client does: an Idempotency-Key chosen once, and the
 * same request retried with it (backoff, any live order instance) on 409, 5xx, timeouts and refused
 * connections, until the service answers 202 or the deadline passes. A 503 with Retry-After (the
 * service shedding load) is waited out as told, plus up to a second of jitter so that the clients it
 * turned away do not all come back in the same instant.
 */
export async function placeOrder(
  cluster: Cluster,
  request: OrderRequest,
  stats: ClientStats,
  { deadline, key = randomUUID() }: { deadline: number; key?: string },
): Promise<string | undefined> {
  let waitMs = 0;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (attempt > 0) {
      stats.retries++;
      await new Promise((done) => setTimeout(done, Math.min(waitMs, Math.max(0, deadline - Date.now()))));
    }
    waitMs = backoffMs(attempt + 1);
    const instance = cluster.pick('order');
    if (!instance) {
      continue;
    }
    let response: Response;
    try {
      response = await fetch(`${instance.url}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          ...(await authHeaders(request.customerId)),
        },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      continue;
    }
    if (response.status === 202) {
      const { orderId } = (await response.json()) as { orderId: string };
      stats.answers.set(key, (stats.answers.get(key) ?? new Set()).add(orderId));
      return orderId;
    }
    const body = await response.text();
    if (response.status !== 409 && response.status < 500) {
      stats.rejected.push(`${key}: HTTP ${response.status} ${body}`);
      return undefined;
    }
    const retryAfter = retryAfterMs(response);
    if (retryAfter !== undefined) {
      stats.shed++;
      waitMs = retryAfter + Math.random() * 1000;
    }
  }
  stats.gaveUp++;
  return undefined;
}
