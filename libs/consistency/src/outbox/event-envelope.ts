import { randomBytes, randomUUID } from 'node:crypto';
import { EventCatalog, EventEnvelope, EventHeaders, EventPayloads, EventType } from '@app/contracts';
import { OutboxMessage } from './outbox-message';

export interface NewEvent<T extends EventType> {
  type: T;
  orderId: string;
  payload: EventPayloads[T];
  /** The flow this event belongs to; defaults to the order id. */
  correlationId?: string;
  /** Id of the event that caused this one, if any. */
  causationId?: string;
  /** W3C trace context to continue; a new trace is started when absent. */
  traceparent?: string;
}

/** A new W3C traceparent: version 00, random trace and span ids, sampled. */
export function newTraceparent(traceId = randomBytes(16).toString('hex')): string {
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

/** A child span of `traceparent`: same trace id, new span id. */
export function childTraceparent(traceparent: string | undefined): string {
  const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? '')?.[1];
  return newTraceparent(traceId);
}

/** Builds the envelope and Kafka message of docs/events.md: keyed by order id, versioned, traced. */
export function toOutboxMessage<T extends EventType>(
  event: NewEvent<T>,
  now: Date = new Date(),
): { envelope: EventEnvelope<T>; message: OutboxMessage } {
  const { topic, version } = EventCatalog[event.type];
  const envelope: EventEnvelope<T> = {
    id: randomUUID(),
    type: event.type,
    version,
    occurredAt: now.toISOString(),
    orderId: event.orderId,
    correlationId: event.correlationId ?? event.orderId,
    causationId: event.causationId ?? null,
    payload: event.payload,
  };
  return {
    envelope,
    message: {
      eventId: envelope.id,
      eventType: envelope.type,
      topic,
      key: envelope.orderId,
      value: JSON.stringify(envelope),
      headers: {
        [EventHeaders.id]: envelope.id,
        [EventHeaders.type]: envelope.type,
        [EventHeaders.version]: String(envelope.version),
        [EventHeaders.correlationId]: envelope.correlationId,
        [EventHeaders.traceparent]: childTraceparent(event.traceparent),
      },
    },
  };
}
