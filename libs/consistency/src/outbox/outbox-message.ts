/**
 * Lifecycle of an outbox row: written with the business change, marked once the broker has it, or
 * parked when the broker keeps refusing it (until an operator retries it).
 */
export enum OutboxStatus {
  Pending = 'PENDING',
  Published = 'PUBLISHED',
  Parked = 'PARKED',
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
  /** When the row was written, in epoch milliseconds: only subtracted, and a Date parsed per claimed row showed in profiles. */
  createdAtMs: number;
  /** Times the broker refused this very message. */
  rejections: number;
}

/** A row the relay gave up on, as `npm run outbox -- list` shows it. */
export interface ParkedOutboxRow {
  id: string;
  eventId: string;
  eventType: string;
  topic: string;
  key: string;
  /** Failed attempts of any kind, refusals included. */
  attempts: number;
  rejections: number;
  lastError: string | null;
  /** Key, value and headers, as OUTBOX_MAX_MESSAGE_BYTES counts them. */
  bytes: number;
  ageSeconds: number;
}

export class EventTooLargeError extends Error {
  override readonly name = 'EventTooLargeError';
}

/** An event that does not match the contract: a bug in its producer, never worth retrying. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

/** What a message weighs against OUTBOX_MAX_MESSAGE_BYTES: key, value and headers. */
export function messageBytes(message: OutboxMessage): number {
  let size = Buffer.byteLength(message.value) + Buffer.byteLength(message.key);
  for (const [name, value] of Object.entries(message.headers)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return size;
}
