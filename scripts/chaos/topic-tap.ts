import { ALL_TOPICS, deadLetterTopic } from '@app/contracts';
import { ReadMessage, TopicReader } from '../kafka/topic-reader';

const SAGA_TOPICS: readonly string[] = ALL_TOPICS;

/**
 * Reads every saga topic and dead-letter topic: real events to copy as duplicates, and the dead
 * letters to find poison in.
 */
export class TopicTap {
  private readonly reader: TopicReader;

  constructor(brokers: string[]) {
    this.reader = new TopicReader(brokers, [...ALL_TOPICS, ...ALL_TOPICS.map(deadLetterTopic)]);
  }

  async start(): Promise<this> {
    await this.reader.start();
    return this;
  }

  has(topic: string, key: string): boolean {
    return this.reader.messages.some((message) => message.topic === topic && message.key === key);
  }

  /** Up to `count` saga events seen so far, picked at random and shuffled. */
  sample(count: number, random: () => number): ReadMessage[] {
    const events = this.reader.messages.filter((message) => SAGA_TOPICS.includes(message.topic) && message.value);
    const picked: ReadMessage[] = [];
    for (let index = 0; index < count && events.length > 0; index++) {
      picked.push(events[Math.floor(random() * events.length)]);
    }
    return picked;
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }
}
