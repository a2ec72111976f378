import { randomUUID } from 'node:crypto';
import { deadLetterTopic } from '@app/contracts';
import { OutboxMessage } from '../outbox/outbox-message';
import { messageBytes } from '../outbox/outbox.service';

/** Headers a dead letter carries besides the original ones; `npm run dlq` reads them. */
export const DeadLetterHeaders = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  reason: 'dlq-reason',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  consumer: 'dlq-consumer',
  failedAt: 'dlq-failed-at',
  /** `base64` when the original value could not be stored as text (it held NUL bytes). */
  valueEncoding: 'dlq-value-encoding',
  /** The original value's size when it was cut to fit the dead-letter topic. */
  truncatedFrom: 'dlq-truncated-from',
} as const;

export interface FailedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface Failure {
  reason: 'poison' | 'retries-exhausted';
  error: string;
  attempts: number;
  consumer: string;
}

/**
 * The dead letter of `message`: same key, value and headers, plus where it came from and why. A value
 * PostgreSQL cannot hold as text is base64-encoded (NUL in headers is replaced), and one too large to publish again is cut to fit,
 * so no poison can stall the partition it arrived on.
 */
export function deadLetter(message: FailedMessage, failure: Failure, maxBytes: number): OutboxMessage {
  const originalId = message.headers['event-id'];
  const raw = message.value ?? '';
  const binary = raw.includes('\u0000');
  const letter: OutboxMessage = {
    eventId: randomUUID(),
    eventType: 'dead-letter',
    topic: deadLetterTopic(message.topic),
    key: message.key ?? `${message.topic}-${message.partition}`,
    value: binary ? Buffer.from(raw).toString('base64') : raw,
    headers: {
      ...message.headers,
      ...(originalId ? {} : { 'event-id': `unparsed:${message.topic}:${message.partition}:${message.offset}` }),
      ...(binary ? { [DeadLetterHeaders.valueEncoding]: 'base64' } : {}),
      [DeadLetterHeaders.originalTopic]: message.topic,
      [DeadLetterHeaders.originalPartition]: String(message.partition),
      [DeadLetterHeaders.originalOffset]: message.offset,
      [DeadLetterHeaders.reason]: failure.reason,
      [DeadLetterHeaders.error]: failure.error.slice(0, 1000),
      [DeadLetterHeaders.attempts]: String(failure.attempts),
      [DeadLetterHeaders.consumer]: failure.consumer,
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    },
  };
  // Headers are stored as jsonb, which has no room for NUL either (an error may quote the poison).
  letter.headers = Object.fromEntries(
    Object.entries(letter.headers).map(([name, value]) => [name, value.replaceAll('\u0000', '\uFFFD')]),
  );
  const excess = messageBytes(letter) - maxBytes;
  if (excess <= 0) {
    return letter;
  }
  const valueBytes = Buffer.from(letter.value);
  const kept = valueBytes.subarray(0, Math.max(0, valueBytes.length - excess - TRUNCATION_HEADER_ROOM));
  return {
    ...letter,
    value: kept.toString('utf8').replace(/\uFFFD$/, ''),
    headers: { ...letter.headers, [DeadLetterHeaders.truncatedFrom]: String(valueBytes.length) },
  };
}

const TRUNCATION_HEADER_ROOM = 64;
