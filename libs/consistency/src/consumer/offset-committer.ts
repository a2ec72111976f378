import { TopicPartitionOffsetAndMetadata } from 'kafkajs';

export interface OffsetCommitterOptions {
  /** Sends offsets to Kafka, e.g. `consumer.commitOffsets`. */
  commit: (offsets: TopicPartitionOffsetAndMetadata[]) => Promise<void>;
  /** Longest a handled message's offset waits before it is sent. */
  intervalMs: number;
  /** Handled messages that trigger a send at once. */
  every: number;
  onError: (error: unknown) => void;
}

/**
 * Offsets of handled messages, sent to Kafka in one request per interval (or every N messages)
 * rather than one per message: an offset commit is a broker write, and at a few messages per
 * fetch it would cost as much as the message itself. Only offsets whose transaction committed
 * are recorded, so a crash or rebalance in between only redelivers what the inbox already holds.
 */
export class OffsetCommitter {
  private readonly next = new Map<string, TopicPartitionOffsetAndMetadata>();
  private handledSinceSend = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: OffsetCommitterOptions) {}

  /** Records that `offset` of the partition is done; sends when enough are waiting. Never throws. */
  async handled(topic: string, partition: number, offset: string): Promise<void> {
    this.next.set(`${topic}:${partition}`, { topic, partition, offset: (BigInt(offset) + 1n).toString() });
    if (++this.handledSinceSend >= this.options.every) {
      await this.flush().catch(this.options.onError);
    } else {
      this.timer ??= setTimeout(() => void this.flush().catch(this.options.onError), this.options.intervalMs);
    }
  }

  /**
   * Sends every waiting offset now. Offsets a failed send carried wait for the next one (unless a
   * newer offset of their partition came meanwhile): a commit refused mid-rebalance is not progress lost.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const offsets = [...this.next.values()];
    this.next.clear();
    this.handledSinceSend = 0;
    if (offsets.length === 0) {
      return;
    }
    try {
      await this.options.commit(offsets);
    } catch (error) {
      for (const offset of offsets) {
        const key = `${offset.topic}:${offset.partition}`;
        if (!this.next.has(key)) {
          this.next.set(key, offset);
        }
      }
      throw error;
    }
  }

  /**
   * Forgets waiting offsets: after a rebalance the generation that handled them is gone, and
   * their partitions may belong to another member, which redelivers them to its inbox check.
   */
  discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.next.clear();
    this.handledSinceSend = 0;
  }

  /**
   * Keeps waiting offsets only for partitions this member still holds after a rebalance: those are
   * its own progress and go out with the next send (dropping them would make it handle the same
   * messages again); the others belong to another member now, whose progress they must not rewind.
   */
  retainOnly(assignment: Readonly<Record<string, readonly number[]>>): TopicPartitionOffsetAndMetadata[] {
    for (const [key, { topic, partition }] of this.next) {
      if (!assignment[topic]?.includes(partition)) {
        this.next.delete(key);
      }
    }
    return [...this.next.values()];
  }
}
