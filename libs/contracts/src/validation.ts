import { EventCatalog, EventType } from './events';

/** A stock keeping unit: a letter or digit, then up to 63 letters, digits, ".", "_", ":" or "-". */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** What a client is told when a SKU does not match SKU_PATTERN. */
export const SKU_RULE = 'sku must be 1 to 64 characters: a letter or digit, then letters, digits, ".", "_", ":" or "-"';

/** Limits of the event contract, shared by the HTTP DTOs that feed it. */
export const ContractLimits = {
  linesPerOrder: 50,
  maxQuantity: 10_000,
  customerIdLength: 128,
  reasonLength: 1000,
  addressFieldLength: 200,
  addressFields: 10,
  carrierReferenceLength: 200,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const ENVELOPE_FIELDS = new Set([
  'id',
  'type',
  'version',
  'occurredAt',
  'orderId',
  'correlationId',
  'causationId',
  'payload',
]);

type Check = (value: unknown, path: string) => string | undefined;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Text a PostgreSQL column and a log line can hold: no NUL or other control characters. */
export function isPlainText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && !CONTROL_CHARACTERS.test(value);
}

const text =
  (maxLength: number): Check =>
  (value, path) =>
    isPlainText(value, maxLength)
      ? undefined
      : `${path} must be a non-empty string of at most ${maxLength} characters without control characters`;

const uuid: Check = (value, path) => (isUuid(value) ? undefined : `${path} must be a UUID`);

const optional =
  (check: Check): Check =>
  (value, path) =>
    value === undefined ? undefined : check(value, path);

const object =
  (fields: Record<string, Check>, { open = false } = {}): Check =>
  (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return `${path} must be an object`;
    }
    const record = value as Record<string, unknown>;
    for (const [field, check] of Object.entries(fields)) {
      const problem = check(record[field], `${path}.${field}`);
      if (problem) {
        return problem;
      }
    }
    const unknown = open
      ? []
      : Object.keys(record).filter((field) => !(field in fields) && record[field] !== undefined);
    return unknown.length > 0 ? `${path} has unknown field(s): ${unknown.slice(0, 5).join(', ')}` : undefined;
  };

const arrayOf =
  (item: Check, { min, max }: { min: number; max: number }): Check =>
  (value, path) => {
    if (!Array.isArray(value) || value.length < min || value.length > max) {
      return `${path} must be an array of ${min} to ${max} items`;
    }
    return value.map((entry, index) => item(entry, `${path}[${index}]`)).find((problem) => problem !== undefined);
  };

const sku: Check = (value, path) =>
  typeof value === 'string' && SKU_PATTERN.test(value) ? undefined : `${path} must match ${SKU_PATTERN.source}`;

const quantity: Check = (value, path) =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= ContractLimits.maxQuantity
    ? undefined
    : `${path} must be an integer from 1 to ${ContractLimits.maxQuantity}`;

const orderLine = object({ sku, quantity });

const orderLines = (min: number) => arrayOf(orderLine, { min, max: ContractLimits.linesPerOrder });

/** Free text a customer typed: may be empty, never a control character. */
const addressField: Check = (value, path) =>
  value === '' ? undefined : text(ContractLimits.addressFieldLength)(value, path);

const country: Check = (value, path) =>
  typeof value === 'string' && /^[A-Z]{2}$/.test(value) ? undefined : `${path} must be an ISO 3166-1 alpha-2 code`;

const shippingAddress: Check = (value, path) => {
  const problem = object({ country }, { open: true })(value, path);
  if (problem) {
    return problem;
  }
  // An undefined field is absent: JSON leaves it out.
  const fields = Object.entries(value as Record<string, unknown>).filter(([, entry]) => entry !== undefined);
  if (fields.length > ContractLimits.addressFields) {
    return `${path} has more than ${ContractLimits.addressFields} fields`;
  }
  return fields.map(([field, entry]) => addressField(entry, `${path}.${field}`)).find((found) => found !== undefined);
};

const customerId = text(ContractLimits.customerIdLength);
const reason = text(ContractLimits.reasonLength);

/** The payload of the current version of each event type. */
const payloads: Record<EventType, Check> = {
  'order.created': object({ customerId, items: orderLines(1), shippingAddress }),
  'order.completed': object({ customerId: optional(customerId), shipmentId: uuid }),
  'order.cancelled': object({ customerId: optional(customerId), reason }),
  'inventory.reserved': object({ customerId: optional(customerId), items: orderLines(1), shippingAddress }),
  'inventory.rejected': object({ reason }),
  'inventory.released': object({ items: orderLines(0) }),
  'shipping.scheduled': object({ shipmentId: uuid, carrierReference: text(ContractLimits.carrierReferenceLength) }),
  'shipping.failed': object({ reason }),
  'shipping.cancelled': object({ shipmentId: uuid }),
};

/** What is wrong with a payload of the current version of `type`, or undefined when it is valid. */
export function payloadProblem(type: EventType, payload: unknown): string | undefined {
  return payloads[type](payload, 'payload');
}

/**
 * What is wrong with an envelope's own fields (not its payload, which depends on type and version),
 * or undefined. Ids are UUIDs and times ISO-8601, so nothing unbounded reaches a handler or a column.
 */
export function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'expected a JSON object';
  }
  const envelope = value as Record<string, unknown>;
  const unknown = Object.keys(envelope).filter((field) => !ENVELOPE_FIELDS.has(field));
  if (unknown.length > 0) {
    return `unknown field(s): ${unknown.slice(0, 5).join(', ')}`;
  }
  for (const field of ['id', 'orderId', 'correlationId'] as const) {
    const problem = uuid(envelope[field], field);
    if (problem) {
      return problem;
    }
  }
  if (envelope.causationId !== undefined && envelope.causationId !== null && !isUuid(envelope.causationId)) {
    return 'causationId must be a UUID or null';
  }
  if (!isPlainText(envelope.type, 100)) {
    return 'type must be a short string';
  }
  if (!Number.isInteger(envelope.version) || (envelope.version as number) < 1 || (envelope.version as number) > 1000) {
    return 'version must be a positive integer';
  }
  if (
    typeof envelope.occurredAt !== 'string' ||
    !ISO_8601.test(envelope.occurredAt) ||
    Number.isNaN(Date.parse(envelope.occurredAt))
  ) {
    return 'occurredAt must be an ISO-8601 date-time';
  }
  return 'payload' in envelope ? undefined : 'payload is missing';
}

/** Whether `value` is a catalogued event type, spelled exactly as the catalogue spells it. */
export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(EventCatalog, value);
}

/** How a consumer checks one event type: the topic that carries it, its current version, its payload. */
export interface ConsumedEvent {
  topic: string;
  version: number;
  payloadProblem(payload: unknown): string | undefined;
}

/** The saga's events as consumers check them; a consumer accepts nothing else. */
export const SAGA_EVENTS: ReadonlyMap<string, ConsumedEvent> = new Map(
  (Object.keys(EventCatalog) as EventType[]).map((type) => [
    type,
    { ...EventCatalog[type], payloadProblem: (payload: unknown) => payloadProblem(type, payload) },
  ]),
);
