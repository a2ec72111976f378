import { EventPayloads, EventType } from './events';

/** The JSON value of every message on the saga topics (docs/events.md). */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  occurredAt: string;
  orderId: string;
  correlationId: string;
  causationId: string | null;
  payload: EventPayloads[T];
}

/** Kafka headers that repeat envelope fields so brokers-side tools can route without parsing JSON. */
export const EventHeaders = {
  id: 'event-id',
  type: 'event-type',
  version: 'event-version',
  correlationId: 'correlation-id',
  traceparent: 'traceparent',
  /** The X-Request-ID of the HTTP request the flow started with; optional, for logs only. */
  requestId: 'request-id',
} as const;
