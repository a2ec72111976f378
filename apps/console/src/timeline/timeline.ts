import type { SagaService } from '../console.config';

/** An event as a step names it: what it was and where it sits in Kafka (when the index has seen it). */
export interface EventRef {
  id: string;
  type?: string;
  topic?: string;
  partition?: number;
  offset?: string;
}

/** A consumer's inbox row: the proof it processed an event, once. */
export interface InboxEntry {
  service: SagaService;
  consumer: string;
  eventId: string;
  processedAt: string;
}

/** An outbox row: an event a service committed to publish, and whether it has. */
export interface OutboxEntry {
  service: SagaService;
  id: string;
  eventId: string;
  type: string;
  topic: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  publishedAt: string | null;
}

export type StepSource = 'orders' | 'outbox' | 'dead-letter' | 'saga-log' | 'notifications';

export interface TimelineStep {
  at: string;
  service: SagaService;
  /** The table the step was read from, in that service's database. */
  source: StepSource;
  status: string;
  reason?: string;
  /** The event that caused the step. */
  cause?: EventRef;
  /** The service's inbox row for that event. */
  inbox?: InboxEntry;
  /** The event the step published (or, for a dead letter, the letter). */
  outbox?: OutboxEntry;
  traceId?: string;
  traceUrl?: string;
  /** The lock's fencing token the shipment was booked under. */
  fencingToken?: string;
}

export interface DeadLetterEntry {
  service: SagaService;
  letterId: string;
  topic: string;
  original: EventRef;
  reason: string;
  error: string;
  attempts: number;
  consumer: string;
  failedAt: string;
  published: boolean;
}

export interface Timeline {
  orderId: string;
  customerId: string;
  status: string;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  idempotencyKeys: Array<{ customerId: string; key: string; createdAt: string }>;
  correlationIds: string[];
  steps: TimelineStep[];
  reservation?: { status: string; reason: string | null; lines: Array<{ sku: string; quantity: number }> };
  shipment?: {
    id: string;
    status: string;
    carrierReference: string | null;
    fencingToken: string | null;
    attempts: number;
    lastError: string | null;
    lock?: { owner: string; fencingToken: string; expiresAt: string };
  };
  deadLetters: DeadLetterEntry[];
  /** A saga not yet terminal: the step it waits for, and until when. */
  waitingFor?: { service: SagaService; events: string[]; deadlineAt: string; secondsLeft: number };
}
