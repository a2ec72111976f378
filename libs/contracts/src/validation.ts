import { EventType } from './events';

type Check = (payload: Record<string, unknown>) => string | undefined;

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

const orderLines =
  (field: string): Check =>
  (payload) => {
    const lines = payload[field];
    if (!Array.isArray(lines) || lines.length === 0) {
      return `${field} must be a non-empty array`;
    }
    const bad = lines.findIndex(
      (line: { sku?: unknown; quantity?: unknown }) =>
        !isNonEmptyString(line?.sku) || !Number.isInteger(line?.quantity) || (line.quantity as number) < 1,
    );
    return bad >= 0 ? `${field}[${bad}] must have a sku and a positive integer quantity` : undefined;
  };

const stringField =
  (field: string): Check =>
  (payload) =>
    isNonEmptyString(payload[field]) ? undefined : `${field} must be a non-empty string`;

const optionalStringField =
  (field: string): Check =>
  (payload) =>
    payload[field] === undefined || isNonEmptyString(payload[field])
      ? undefined
      : `${field} must be a non-empty string when present`;

const all =
  (...checks: Check[]): Check =>
  (payload) =>
    checks.map((check) => check(payload)).find((problem) => problem !== undefined);

const shippingAddress: Check = (payload) => {
  const address = payload.shippingAddress as { country?: unknown } | undefined;
  return isNonEmptyString(address?.country) ? undefined : 'shippingAddress.country must be a non-empty string';
};

const checks: Record<EventType, Check> = {
  'order.created': all(stringField('customerId'), orderLines('items'), shippingAddress),
  'order.completed': all(stringField('shipmentId'), optionalStringField('customerId')),
  'order.cancelled': all(stringField('reason'), optionalStringField('customerId')),
  'inventory.reserved': all(orderLines('items'), shippingAddress, optionalStringField('customerId')),
  'inventory.rejected': stringField('reason'),
  'inventory.released': (payload) => (Array.isArray(payload.items) ? undefined : 'items must be an array'),
  'shipping.scheduled': all(stringField('shipmentId'), stringField('carrierReference')),
  'shipping.failed': stringField('reason'),
  'shipping.cancelled': stringField('shipmentId'),
};

/** What is wrong with a payload of the current version of `type`, or undefined when it is valid. */
export function payloadProblem(type: EventType, payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return 'payload must be an object';
  }
  return checks[type](payload as Record<string, unknown>);
}
