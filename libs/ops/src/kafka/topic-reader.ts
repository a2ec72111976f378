import { randomUUID } from 'node:crypto';
import { Kafka, KafkaMessage } from 'kafkajs';
import { stringHeaders } from '@app/consistency/tools';

/** A consumed message as text: what the tests, the chaos harness and `npm run dlq` look at. */
export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export function readMessage(topic: string, partition: number, message: KafkaMessage): ReadMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
    headers: stringHeaders(message.headers),
  };
}

export function byPosition(a: ReadMessage, b: ReadMessage): number {
  return a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));
}

/** Everything `topic` holds now, from its start to its current end, in partition and offset order. */
export async function readToEnd(kafka: Kafka, topic: string): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(
      ends.filter((end) => end.high !== end.low).map((end) => [end.partition, BigInt(end.high)]),
    );
    const messages: ReadMessage[] = [];
    if (remaining.size === 0) {
      return messages;
    }
    const groupId = `reader-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end !== undefined && BigInt(message.offset) < end) {
              messages.push(readMessage(topic, partition, message));
              if (BigInt(message.offset) + 1n >= end) {
                remaining.delete(partition);
              }
            }
            if (remaining.size === 0) {
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return messages.sort(byPosition);
  } finally {
    await admin.disconnect();
  }
}
