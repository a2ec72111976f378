import { errorText } from '../platform/errors/error-text';
import { backoffDelay } from '../platform/backoff';
import { PendingOutboxRow } from './outbox-message';

/**
 * Broker answers that refuse the records themselves (too large for the topic, invalid, a topic name
 * Kafka cannot hold): sending them again cannot help until someone changes the message or the topic.
 * Everything else, retriable protocol errors, connections, timeouts, a missing topic, is the
 * broker's trouble and must never count against a message.
 */
const REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TOPIC_EXCEPTION']);

/** Whether a failed send was the broker refusing its records, looking through kafkajs's wrapping errors. */
export function isBrokerRefusal(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const { name, type, retriable } = cause as Error & { type?: unknown; retriable?: unknown };
    if (name === 'KafkaJSProtocolError' && retriable === false && typeof type === 'string' && REFUSALS.has(type)) {
      return true;
    }
  }
  return false;
}

export interface ParkingPolicy {
  /** Refusals of one row before it is parked. */
  maxAttempts: number;
  /** Cap of the rest between two attempts of a refused row. */
  maxBackoffMs: number;
}

/** A refused row and what the store must do about it. */
export interface Rejection {
  row: PendingOutboxRow;
  error: string;
  /** Parked: kept out of every claim, with the later rows of its key, until `retry`. */
  park: boolean;
  /** Otherwise the row, and the later rows of its key, rest this long before the next attempt. */
  retryInMs: number;
}

/**
 * The row's fate after the broker refused it once more: parked once it has been refused
 * `maxAttempts` times, else left to rest with a doubling delay, so the attempts are spread over
 * seconds (a topic config being changed gets its chance) instead of burnt in one busy second.
 */
export function rejectionOf(row: PendingOutboxRow, error: unknown, policy: ParkingPolicy): Rejection {
  const rejections = row.rejections + 1;
  return {
    row,
    error: errorText(error),
    park: rejections >= policy.maxAttempts,
    retryInMs: backoffDelay(rejections, { maxMs: policy.maxBackoffMs }),
  };
}
