/** A partition whose next message has waited longer than the stall threshold. */
export interface StalledPartition {
  topic: string;
  partition: number;
  /** Offset of the message it is stuck on. */
  offset: string;
  stalledForMs: number;
}

interface Progress {
  topic: string;
  partition: number;
  /** Next offset to handle. */
  head: bigint;
  /** Offset after the newest message the broker reported. */
  end: bigint;
  /** When the head last moved, or when messages started waiting behind it. */
  since: number;
}

/**
 * Where each assigned partition's head is and whether it moves: a partition whose head has not
 * advanced while messages wait behind it is stalled, whatever the reason (a handler that hangs,
 * a dead letter that cannot be written, a database that does not answer).
 */
export class PartitionProgress {
  private readonly partitions = new Map<string, Progress>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A fetched batch: `highWatermark` is the offset after the partition's newest message. */
  fetched(topic: string, partition: number, firstOffset: string, highWatermark: string): void {
    const key = `${topic}:${partition}`;
    const known = this.partitions.get(key);
    const end = BigInt(highWatermark);
    if (!known) {
      this.partitions.set(key, { topic, partition, head: BigInt(firstOffset), end, since: this.now() });
      return;
    }
    if (known.head >= known.end && end > known.end) {
      known.since = this.now();
    }
    known.end = end > known.end ? end : known.end;
  }

  handled(topic: string, partition: number, offset: string): void {
    const known = this.partitions.get(`${topic}:${partition}`);
    if (known) {
      known.head = BigInt(offset) + 1n;
      known.since = this.now();
    }
  }

  /** Messages waiting behind the heads of the partitions this instance holds, as far as it has seen. */
  lag(): number {
    let waiting = 0n;
    for (const { head, end } of this.partitions.values()) {
      waiting += end > head ? end - head : 0n;
    }
    return Number(waiting);
  }

  /** After a rebalance the assignment may differ: start afresh. */
  reset(): void {
    this.partitions.clear();
  }

  stalled(thresholdMs: number): StalledPartition[] {
    const now = this.now();
    return [...this.partitions.values()]
      .filter((progress) => progress.head < progress.end && now - progress.since > thresholdMs)
      .map(({ topic, partition, head, since }) => ({
        topic,
        partition,
        offset: head.toString(),
        stalledForMs: now - since,
      }));
  }
}
