/** Lifecycle of an outbox row: written with the business change, marked once the broker has it. */
export enum OutboxStatus {
  Pending = 'PENDING',
  Published = 'PUBLISHED',
}

/** A Kafka message waiting in the outbox. */
export interface OutboxMessage {
  eventId: string;
  eventType: string;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** A claimed row, as the relay reads it. */
export interface PendingOutboxRow extends OutboxMessage {
  id: string;
  createdAt: Date;
}

export class EventTooLargeError extends Error {
  override readonly name = 'EventTooLargeError';
}

/** An event that does not match the contract: a bug in its producer, never worth retrying. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}
