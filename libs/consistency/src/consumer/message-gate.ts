import { MessageHandler } from '@nestjs/microservices';
import { IHeaders } from 'kafkajs';
import { ConsumedEvent, envelopeProblem, EventEnvelope, EventHeaders } from '@app/contracts';
import { PoisonMessageError } from './poison-message.error';
import { upcast, UpcasterRegistry } from './upcasting';

/** A message as it came off the broker, before anything in it is trusted. */
export interface InboundMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface GateLimits {
  /** Largest value: the event contract's message limit (OUTBOX_MAX_MESSAGE_BYTES). */
  maxValueBytes: number;
  /** Largest sum of header names and values. */
  maxHeaderBytes: number;
}

export interface GateRules {
  /** Every event type this consumer may meet, with the topic that carries it; nothing else passes. */
  events: ReadonlyMap<string, ConsumedEvent>;
  /** The handler registered for exactly this type string, if the service handles it. */
  handlerFor(type: string): MessageHandler | undefined;
  upcasters: UpcasterRegistry;
  limits: GateLimits;
}

export type Admission =
  | { action: 'handle'; envelope: EventEnvelope; handler: MessageHandler }
  /** A valid event of this topic that this service has no handler for. */
  | { action: 'ignore'; type: string };

/** An order id, which the key must equal, is a UUID: nothing longer can be a valid key. */
const MAX_KEY_BYTES = 36;
const MAX_HEADERS = 32;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * The one gate every consumed message passes before any handler: a valid envelope of a type this
 * topic carries, keyed by its order id, within size limits, with a payload that matches the
 * contract for its version. Anything else is poison (dead-lettered at once, never retried).
 */
export function admit(message: InboundMessage, rules: GateRules): Admission {
  const unread = ignoredUnread(message, rules);
  if (unread) {
    return { action: 'ignore', type: unread };
  }
  const headers = readHeaders(message.headers, rules.limits.maxHeaderBytes);
  const key = readKey(message.key);
  const envelope = readEnvelope(message.value, rules.limits.maxValueBytes);
  const type = envelope.type as string;
  const contract = rules.events.get(type);
  if (!contract) {
    throw new PoisonMessageError(`unknown event type "${type}"`);
  }
  if (contract.topic !== message.topic) {
    throw new PoisonMessageError(`${type} is not carried by ${message.topic} (it belongs on ${contract.topic})`);
  }
  if (key !== envelope.orderId) {
    throw new PoisonMessageError(`the message key is not the envelope's orderId ${envelope.orderId}`);
  }
  for (const [header, expected] of [
    [EventHeaders.id, envelope.id],
    [EventHeaders.type, type],
    [EventHeaders.version, String(envelope.version)],
  ] as const) {
    if (headers[header] !== undefined && headers[header] !== expected) {
      throw new PoisonMessageError(`header ${header} does not repeat the envelope's ${expected}`);
    }
  }
  const handler = rules.handlerFor(type);
  if (!handler) {
    return { action: 'ignore', type };
  }
  const current = upcast(envelope, acceptedVersions(handler), rules.upcasters);
  if (current.version === contract.version) {
    const problem = contract.payloadProblem(current.payload);
    if (problem) {
      throw new PoisonMessageError(`invalid ${type} payload: ${problem}`);
    }
  }
  return { action: 'handle', envelope: current, handler };
}

/** How every envelope our producers write opens: `{"id":"<uuid>","type":"`. */
const ENVELOPE_ID_OPENING = '{"id":"';
const UUID_LENGTH = 36;

/**
 * The type of an event this service has no handler for, when the message says so twice without
 * being parsed: its `event-type` header names a type this topic carries, and its value opens the way
 * our producers write every envelope, `{"id":"<uuid>","type":"<that type>"`. Such a message is
 * skipped unread (most deliveries a service gets are of types it ignores); anything else goes
 * through the whole gate, so a header that lies about the envelope is still poison. The groups that
 * handle the type check its every field.
 */
function ignoredUnread(message: InboundMessage, rules: GateRules): string | undefined {
  const type = headerText(message.headers);
  const value = message.value;
  if (type === undefined || value === null || rules.events.get(type)?.topic !== message.topic) {
    return undefined;
  }
  if (rules.handlerFor(type)) {
    return undefined;
  }
  const typeAt = ENVELOPE_ID_OPENING.length + UUID_LENGTH;
  const typeField = `","type":"${type}"`;
  const opens =
    value.toString('latin1', 0, ENVELOPE_ID_OPENING.length) === ENVELOPE_ID_OPENING &&
    value.toString('latin1', typeAt, typeAt + typeField.length) === typeField;
  return opens ? type : undefined;
}

/**
 * The catalogue type a message that failed the gate claims to be, to label its dead letter: the
 * envelope's `type`, else its `event-type` header, when that names a type carried by this topic.
 * Anything else is undefined, so hostile input cannot mint metric series.
 */
export function claimedType(message: InboundMessage, rules: Pick<GateRules, 'events' | 'limits'>): string | undefined {
  const carried = (type: unknown) =>
    typeof type === 'string' && rules.events.get(type)?.topic === message.topic ? type : undefined;
  return carried(envelopeTypeOf(message.value, rules.limits.maxValueBytes)) ?? carried(headerText(message.headers));
}

function envelopeTypeOf(raw: Buffer | null, maxBytes: number): unknown {
  if (!raw || raw.length > maxBytes) {
    return undefined;
  }
  try {
    return (JSON.parse(raw.toString('utf8')) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

function headerText(headers: IHeaders | undefined): string | undefined {
  const value = headers?.[EventHeaders.type];
  return Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : undefined;
}

function readHeaders(raw: IHeaders | undefined, maxBytes: number): Record<string, string> {
  const entries = Object.entries(raw ?? {});
  if (entries.length > MAX_HEADERS) {
    throw new PoisonMessageError(`${entries.length} headers, over the limit of ${MAX_HEADERS}`);
  }
  const headers: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of entries) {
    if (Array.isArray(value)) {
      throw new PoisonMessageError(`header ${printable(name)} appears ${value.length} times`);
    }
    if (CONTROL_CHARACTERS.test(name) || name.includes('\uFFFD')) {
      throw new PoisonMessageError(`header name ${printable(name)} holds control characters or invalid UTF-8`);
    }
    const text = value === undefined ? '' : decode(Buffer.from(value), `header ${printable(name)}`);
    if (CONTROL_CHARACTERS.test(text)) {
      throw new PoisonMessageError(`header ${printable(name)} holds control characters`);
    }
    bytes += Buffer.byteLength(name) + Buffer.byteLength(text);
    headers[name] = text;
  }
  if (bytes > maxBytes) {
    throw new PoisonMessageError(`headers are ${bytes} bytes, over the ${maxBytes}-byte limit`);
  }
  return headers;
}

function readKey(raw: Buffer | null): string {
  if (!raw || raw.length === 0) {
    throw new PoisonMessageError('the message has no key (the key is the order id)');
  }
  if (raw.length > MAX_KEY_BYTES) {
    throw new PoisonMessageError(`the key is ${raw.length} bytes; an order id has ${MAX_KEY_BYTES}`);
  }
  return decode(raw, 'the key');
}

function readEnvelope(raw: Buffer | null, maxBytes: number): EventEnvelope & { type: string } {
  if (!raw || raw.length === 0) {
    throw new PoisonMessageError('empty message value');
  }
  if (raw.length > maxBytes) {
    throw new PoisonMessageError(`message is ${raw.length} bytes, over the ${maxBytes}-byte limit`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decode(raw, 'the value'));
  } catch (error) {
    if (error instanceof PoisonMessageError) {
      throw error;
    }
    throw new PoisonMessageError(`value is not JSON: ${(error as Error).message}`);
  }
  const problem = envelopeProblem(parsed);
  if (problem) {
    throw new PoisonMessageError(`not an event envelope: ${problem}`);
  }
  return parsed as EventEnvelope & { type: string };
}

function decode(bytes: Buffer, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new PoisonMessageError(`${what} is not valid UTF-8`);
  }
}

/** A header name fit for an error message: control characters shown as escapes, length bounded. */
function printable(name: string): string {
  return JSON.stringify(name.slice(0, 64));
}

function acceptedVersions(handler: MessageHandler): number[] {
  const versions = (handler.extras as { versions?: unknown } | undefined)?.versions;
  return Array.isArray(versions) ? versions.filter((v): v is number => Number.isInteger(v)) : [1];
}
