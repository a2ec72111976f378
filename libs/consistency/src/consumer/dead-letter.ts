import { randomUUID } from 'node:crypto';
import { IHeaders } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { messageBytes, OutboxMessage } from '../outbox/outbox-message';

/** Headers a dead letter carries besides the original ones; {@link decodeDeadLetter} reads them. */
export const DeadLetterHeaders = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  reason: 'dlq-reason',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  consumer: 'dlq-consumer',
  failedAt: 'dlq-failed-at',
  /** `base64` when the original value could not be stored as text (NUL bytes, invalid UTF-8). */
  valueEncoding: 'dlq-value-encoding',
  /** The original value's size when it was cut to fit the dead-letter topic. */
  truncatedFrom: 'dlq-truncated-from',
  /** Base64 of the original key when it could not be used as the dead letter's key. */
  originalKey: 'dlq-original-key-base64',
  /** Original headers left out (unsafe names or values, or over the header budget), and why. */
  droppedHeaders: 'dlq-dropped-headers',
} as const;

/** A message as consumed, bytes untouched: nothing in it is trusted. */
export interface FailedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface Failure {
  reason: 'poison' | 'retries-exhausted';
  error: string;
  attempts: number;
  consumer: string;
}

const MAX_KEY_BYTES = 256;
const MAX_HEADER_NAME_BYTES = 256;
const MAX_HEADER_VALUE_BYTES = 1024;
/** Room the original headers may take, so our own always fit beside them. */
const ORIGINAL_HEADERS_BUDGET = 8192;
const ERROR_TEXT_LENGTH = 1000;
const TRUNCATION_HEADER_ROOM = 64;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * The dead letter of `message`: its value, key and headers plus where it came from and why, in a
 * form that can always be written and published whatever the poison held. Text PostgreSQL cannot
 * store is base64-encoded and marked, unsafe keys and headers are set aside with a note, and a value
 * too large to publish again is cut to fit `maxBytes` — so no message can stall its partition.
 */
export function deadLetter(message: FailedMessage, failure: Failure, maxBytes: number): OutboxMessage {
  const value = storableText(message.value);
  const key = message.key ? plainText(message.key) : undefined;
  const keyUsable = key !== undefined && key.length > 0 && Buffer.byteLength(key) <= MAX_KEY_BYTES;
  const { kept, dropped } = originalHeaders(message.headers);
  const headers: Record<string, string> = {
    ...kept,
    ...(kept['event-id'] ? {} : { 'event-id': `unparsed:${message.topic}:${message.partition}:${message.offset}` }),
    ...(value?.encoding === 'base64' ? { [DeadLetterHeaders.valueEncoding]: 'base64' } : {}),
    ...(message.key && !keyUsable
      ? { [DeadLetterHeaders.originalKey]: message.key.subarray(0, MAX_KEY_BYTES).toString('base64') }
      : {}),
    ...(dropped.length > 0 ? { [DeadLetterHeaders.droppedHeaders]: dropped.join('; ').slice(0, 1000) } : {}),
    [DeadLetterHeaders.originalTopic]: safeText(message.topic, 256),
    [DeadLetterHeaders.originalPartition]: String(message.partition),
    [DeadLetterHeaders.originalOffset]: message.offset,
    [DeadLetterHeaders.reason]: failure.reason,
    [DeadLetterHeaders.error]: safeText(failure.error, ERROR_TEXT_LENGTH),
    [DeadLetterHeaders.attempts]: String(failure.attempts),
    [DeadLetterHeaders.consumer]: failure.consumer,
    [DeadLetterHeaders.failedAt]: new Date().toISOString(),
  };
  const letter: OutboxMessage = {
    eventId: randomUUID(),
    eventType: 'dead-letter',
    topic: deadLetterTopic(message.topic),
    key: keyUsable ? key : `${message.topic}-${message.partition}`,
    value: value?.text ?? '',
    headers,
  };
  const excess = messageBytes(letter) - maxBytes;
  if (excess <= 0) {
    return letter;
  }
  const valueBytes = Buffer.from(letter.value);
  const cut = valueBytes.subarray(0, Math.max(0, valueBytes.length - excess - TRUNCATION_HEADER_ROOM));
  return {
    ...letter,
    value: cut.toString('utf8').replace(/\uFFFD$/, ''),
    headers: { ...letter.headers, [DeadLetterHeaders.truncatedFrom]: String(valueBytes.length) },
  };
}

/** A dead letter as read back from its topic, its value still as the text it was stored as. */
export interface StoredDeadLetter {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** What to publish to put a dead letter back where it came from, as it was first sent. */
export interface Replay {
  topic: string;
  key: string;
  value: Buffer | string;
  headers: Record<string, string>;
}

const DEAD_LETTER_HEADER_NAMES: readonly string[] = Object.values(DeadLetterHeaders);

/**
 * The inverse of {@link deadLetter}: the original topic, key, value and headers of `letter`, or why
 * it cannot be replayed (a value cut to fit the dead-letter topic is not the event that was sent).
 */
export function decodeDeadLetter(letter: StoredDeadLetter): Replay | { unreplayable: string } {
  const headers = letter.headers;
  const truncatedFrom = headers[DeadLetterHeaders.truncatedFrom];
  if (truncatedFrom) {
    return { unreplayable: `its value was cut to fit the dead-letter topic (${truncatedFrom} bytes originally)` };
  }
  return {
    topic: headers[DeadLetterHeaders.originalTopic],
    key: letter.key,
    value: headers[DeadLetterHeaders.valueEncoding] === 'base64' ? Buffer.from(letter.value, 'base64') : letter.value,
    headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !DEAD_LETTER_HEADER_NAMES.includes(name))),
  };
}

/** UTF-8 text without NUL as it is, anything else as base64; undefined for no bytes at all. */
function storableText(bytes: Buffer | null): { text: string; encoding: 'utf8' | 'base64' } | undefined {
  if (!bytes) {
    return undefined;
  }
  try {
    const text = strictUtf8.decode(bytes);
    if (!text.includes('\u0000')) {
      return { text, encoding: 'utf8' };
    }
  } catch {
    // Not UTF-8: base64 below.
  }
  return { text: bytes.toString('base64'), encoding: 'base64' };
}

/** The original headers that are safe to store and send again; the rest are named in a note. */
function originalHeaders(raw: IHeaders | undefined): { kept: Record<string, string>; dropped: string[] } {
  const kept: Record<string, string> = {};
  const dropped: string[] = [];
  let budget = ORIGINAL_HEADERS_BUDGET;
  for (const [name, value] of Object.entries(raw ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    const text = plainText(first === undefined ? Buffer.alloc(0) : Buffer.from(first));
    const size = Buffer.byteLength(name) + Buffer.byteLength(text ?? '');
    const problem = name.startsWith('dlq-')
      ? 'reserved for dead letters'
      : !isSafeName(name)
        ? 'unsafe name'
        : text === undefined
          ? 'value with control characters or invalid UTF-8'
          : Buffer.byteLength(text) > MAX_HEADER_VALUE_BYTES
            ? `value over ${MAX_HEADER_VALUE_BYTES} bytes`
            : size > budget
              ? 'over the header budget'
              : undefined;
    if (problem || text === undefined) {
      dropped.push(`${safeText(name, 64) || '(empty name)'}: ${problem}`);
    } else {
      kept[name] = text;
      budget -= size;
    }
  }
  return { kept, dropped };
}

function isSafeName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) <= MAX_HEADER_NAME_BYTES &&
    !name.includes('\uFFFD') &&
    !CONTROL_CHARACTER.test(name)
  );
}

/** The bytes as UTF-8 text free of control characters, or undefined. */
function plainText(bytes: Buffer): string | undefined {
  const text = storableText(bytes);
  return text?.encoding === 'utf8' && !CONTROL_CHARACTER.test(text.text) ? text.text : undefined;
}

/** Text for a header or column: control characters replaced, length bounded. */
function safeText(text: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this replaces
  return text.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD').slice(0, maxLength);
}
