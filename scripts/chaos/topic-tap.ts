import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { stringHeaders } from '@app/consistency';
import { ALL_TOPICS, deadLetterTopic } from '@app/contracts';

export interface TappedMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Reads every saga topic and dead-letter topic with a group of its own: real events to copy as
 * duplicates, and the dead letters to find poison in.
 */
export class TopicTap {
  private readonly events: TappedMessage[] = [];
  private readonly keysByTopic = new Map<string, Set<string>>();
  private consumer?: Consumer;

  constructor(private readonly brokers: string[]) {}

  async start(): Promise<this> {
    const kafka = new Kafka({ clientId: 'chaos-tap', brokers: this.brokers, logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `chaos-tap-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...ALL_TOPICS, ...ALL_TOPICS.map(deadLetterTopic)],
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: ({ topic, message }) => {
        const key = message.key?.toString() ?? '';
        if (!this.keysByTopic.has(topic)) {
          this.keysByTopic.set(topic, new Set());
        }
        this.keysByTopic.get(topic)?.add(key);
        if ((ALL_TOPICS as readonly string[]).includes(topic) && message.value) {
          this.events.push({
            topic,
            key,
            value: message.value.toString(),
            headers: stringHeaders(message.headers),
          });
        }
        return Promise.resolve();
      },
    });
    return this;
  }

  has(topic: string, key: string): boolean {
    return this.keysByTopic.get(topic)?.has(key) ?? false;
  }

  /** Up to `count` events seen so far, picked at random and shuffled. */
  sample(count: number, random: () => number): TappedMessage[] {
    const picked: TappedMessage[] = [];
    for (let index = 0; index < count && this.events.length > 0; index++) {
      picked.push(this.events[Math.floor(random() * this.events.length)]);
    }
    return picked;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
