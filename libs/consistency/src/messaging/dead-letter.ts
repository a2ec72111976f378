import { randomUUID } from 'node:crypto';
import { deadLetterTopic } from '@app/contracts';
import { OutboxMessage } from '../outbox/outbox-message';

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

/** The dead letter of `message`: same key, value and headers, plus where it came from and why. */
export function deadLetter(message: FailedMessage, failure: Failure): OutboxMessage {
  const originalId = message.headers['event-id'];
  return {
    eventId: randomUUID(),
    eventType: 'dead-letter',
    topic: deadLetterTopic(message.topic),
    key: message.key ?? `${message.topic}-${message.partition}`,
    value: message.value ?? '',
    headers: {
      ...message.headers,
      ...(originalId ? {} : { 'event-id': `unparsed:${message.topic}:${message.partition}:${message.offset}` }),
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
}
