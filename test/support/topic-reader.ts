import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { stringHeaders } from '@app/consistency';
import { waitFor } from '../../scripts/infra/run-command';

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning with its own consumer group, collecting every message. */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly brokers: string[],
    private readonly topic: string,
  ) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'topic-reader', brokers: this.brokers, logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: ({ partition, message }) => {
        this.messages.push({
          partition,
          offset: message.offset,
          key: String(message.key),
          value: String(message.value),
          headers: stringHeaders(message.headers),
        });
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

/** Creates `topic`; `config` sets topic-level configs such as `max.message.bytes`. */
export async function createTopic(
  brokers: string[],
  topic: string,
  partitions = 3,
  config: Record<string, string> = {},
): Promise<void> {
  const admin = new Kafka({ clientId: 'topic-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
      },
    ],
  });
  await admin.disconnect();
}

export async function deleteTopic(brokers: string[], topic: string): Promise<void> {
  const admin = new Kafka({ clientId: 'topic-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}

/** Sequence numbers per key, in the order the topic holds them (per partition, by offset). */
export function sequencesByKey(messages: ReadMessage[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  const ordered = [...messages].sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
  for (const message of ordered) {
    const { seq } = JSON.parse(message.value) as { seq: number };
    byKey.set(message.key, [...(byKey.get(message.key) ?? []), seq]);
  }
  return byKey;
}
