import { randomUUID } from 'node:crypto';
import { EventCatalog, EventEnvelope, EventHeaders, EventPayloads, EventType } from '@app/contracts';
import { newTraceparent, traceIdOf } from '../platform/trace-context';
import { OutboxMessage } from './outbox-message';

export interface NewEvent<T extends EventType> {
  type: T;
  orderId: string;
  payload: EventPayloads[T];
  /** The flow this event belongs to; defaults to the order id. */
  correlationId?: string;
  /** Id of the event that caused this one, if any. */
  causationId?: string;
  /** The W3C trace context the event is sent with (the enqueuing span's); a new trace when absent. */
  traceparent?: string;
  /** The X-Request-ID of the HTTP request the flow started with, carried along for the logs. */
  requestId?: string;
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
        [EventHeaders.traceparent]: traceIdOf(event.traceparent) ? (event.traceparent as string) : newTraceparent(),
        ...(event.requestId ? { [EventHeaders.requestId]: event.requestId } : {}),
      },
    },
  };
}
