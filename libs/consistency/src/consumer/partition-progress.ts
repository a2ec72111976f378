/** A partition whose next message has waited longer than the stall threshold. */
export interface StalledPartition {
  topic: string;
  partition: number;
  /** Offset of the message it is stuck on. */
  offset: string;
  stalledForMs: number;
}

/** What waits in one partition this instance holds. */
export interface PartitionBacklog {
  topic: string;
  partition: number;
  /** Messages behind the head, as far as fetches have seen. */
  lag: number;
  /** Age of the oldest message not yet handled (its broker timestamp), 0 when none waits. */
  oldestUnprocessedMs: number;
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
  /** Broker timestamp of the head message, once it is being handled. */
  headTimestamp?: number;
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

  /** The head message is being handled; `timestamp` is its broker timestamp in ms. */
  handling(topic: string, partition: number, timestamp: string): void {
    const known = this.partitions.get(`${topic}:${partition}`);
    const at = Number(timestamp);
    if (known && Number.isFinite(at)) {
      known.headTimestamp = at;
    }
  }

  handled(topic: string, partition: number, offset: string): void {
    const known = this.partitions.get(`${topic}:${partition}`);
    if (known) {
      known.head = BigInt(offset) + 1n;
      known.since = this.now();
      known.headTimestamp = undefined;
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

  /**
   * Each partition's lag and the age of its oldest unhandled message. Before the head message is
   * being handled its timestamp is unknown, and how long the head has waited stands in for it.
   */
  backlog(): PartitionBacklog[] {
    const now = this.now();
    return [...this.partitions.values()].map(({ topic, partition, head, end, since, headTimestamp }) => {
      const waiting = end > head;
      const oldest = !waiting ? now : (headTimestamp ?? since);
      return {
        topic,
        partition,
        lag: waiting ? Number(end - head) : 0,
        oldestUnprocessedMs: Math.max(0, now - oldest),
      };
    });
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
