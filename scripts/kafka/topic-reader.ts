import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { byPosition, readMessage, ReadMessage } from '@app/ops';
import { waitFor } from '../infra/run-command';

export { readToEnd } from '@app/ops';
export type { ReadMessage } from '@app/ops';

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

/** Sequence numbers per key, in the order the topic holds them (per partition, by offset). */
export function sequencesByKey(messages: ReadMessage[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const message of [...messages].sort(byPosition)) {
    const { seq } = JSON.parse(message.value) as { seq: number };
    byKey.set(message.key, [...(byKey.get(message.key) ?? []), seq]);
  }
  return byKey;
}
