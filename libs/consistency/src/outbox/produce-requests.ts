import { OutboxMessage } from './outbox-message';
import { messageBytes } from './outbox-message';

/**
 * What Kafka's v2 record format adds to one record at most: length, attributes, timestamp and
 * offset deltas, key and value lengths and the header count, each a varint at its widest.
 */
const RECORD_FRAMING_BYTES = 36;
/** A header's name and value lengths, as varints at their widest. */
const HEADER_FRAMING_BYTES = 10;
/** A record batch's own header; the broker's `message.max.bytes` limits a batch with it. */
export const BATCH_HEADER_BYTES = 61;
/** Room the request cap must leave beside the largest message: a batch header and one record's framing. */
export const REQUEST_FRAMING_ALLOWANCE_BYTES = 1024;

/** An upper bound of what `message` weighs inside a record batch. */
export function recordBytes(message: OutboxMessage): number {
  return messageBytes(message) + RECORD_FRAMING_BYTES + HEADER_FRAMING_BYTES * Object.keys(message.headers).length;
}

/**
 * The next produce request: the longest prefix of `queue` whose records, with one batch header, stay
 * within `maxBytes`. Every partition's batch in the request is a part of it, so none can pass the
 * cap either. A row goes alone when `alone(row)` says so or when it is bigger than the cap by itself
 * (the broker then decides); never an empty request while rows wait.
 */
export function takeRequest<T extends OutboxMessage>(
  queue: readonly T[],
  maxBytes: number,
  alone: (row: T) => boolean,
): T[] {
  if (queue.length === 0 || alone(queue[0])) {
    return queue.slice(0, 1);
  }
  let bytes = BATCH_HEADER_BYTES + recordBytes(queue[0]);
  let end = 1;
  while (end < queue.length && !alone(queue[end])) {
    bytes += recordBytes(queue[end]);
    if (bytes > maxBytes) {
      break;
    }
    end += 1;
  }
  return queue.slice(0, end);
}
