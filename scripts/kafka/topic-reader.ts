import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { stringHeaders } from '@app/consistency/tools';
import { waitFor } from '../infra/run-command';

/** A consumed message as text: what the tests, the chaos harness and `npm run dlq` look at. */
export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

function readMessage(topic: string, partition: number, message: KafkaMessage): ReadMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
    headers: stringHeaders(message.headers),
  };
}

function byPosition(a: ReadMessage, b: ReadMessage): number {
  return a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));
}

/**
 * Reads topics from the beginning with a consumer group of its own, collecting every message: the
 * one topic reader of the tests, the chaos harness, the benchmarks and the dead-letter tool.
 */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private readonly topics: string[];
  private consumer?: Consumer;

  constructor(
    private readonly brokers: string[],
    topics: string | readonly string[],
  ) {
    this.topics = typeof topics === 'string' ? [topics] : [...topics];
  }

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'topic-reader', brokers: this.brokers, logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        this.messages.push(readMessage(topic, partition, message));
        return Promise.resolve();
      },
    });
    return this;
  }

  /** Waits until `predicate` holds over what was read so far. */
  async waitUntil(what: string, predicate: (messages: ReadMessage[]) => boolean, timeoutMs = 60_000): Promise<void> {
    await waitFor(what, () => Promise.resolve(predicate(this.messages) ? true : undefined), {
      timeoutMs,
      intervalMs: 50,
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
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

/** Sequence numbers per key, in the order the topic holds them (per partition, by offset). */
export function sequencesByKey(messages: ReadMessage[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const message of [...messages].sort(byPosition)) {
    const { seq } = JSON.parse(message.value) as { seq: number };
    byKey.set(message.key, [...(byKey.get(message.key) ?? []), seq]);
  }
  return byKey;
}
