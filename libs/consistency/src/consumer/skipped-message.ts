import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { FailedMessage } from './dead-letter';

/**
 * Records a message that could not be dead-lettered, with nothing of its content but a digest:
 * whatever made the dead letter fail cannot make this row fail too.
 */
export async function recordSkippedMessage(
  manager: EntityManager,
  consumer: string,
  message: FailedMessage,
  reason: string,
  error: string,
): Promise<void> {
  const digest = createHash('sha256');
  let bytes = 0;
  for (const part of [message.key, message.value]) {
    if (part) {
      digest.update(part);
      bytes += part.length;
    }
  }
  await manager.query(
    `INSERT INTO skipped_messages (consumer, topic, partition, "offset", reason, error, message_bytes, message_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      consumer,
      ascii(message.topic, 256),
      message.partition,
      message.offset,
      reason,
      ascii(error, 2000),
      bytes,
      digest.digest('hex'),
    ],
  );
}

/** Printable ASCII only: no byte of the poison can reach the row. */
function ascii(text: string, maxLength: number): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, maxLength);
}
