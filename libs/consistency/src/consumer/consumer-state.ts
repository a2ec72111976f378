import { PartitionBacklog, StalledPartition } from './partition-progress';

/** kafkajs errors that mean the broker could not be reached, anywhere in an error's cause chain. */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
]);

/** How the consumer reports its partitions. */
export interface PartitionReadings {
  /** Partitions whose head has not moved past the stall threshold while messages wait. */
  stalled(): StalledPartition[];
  /** Messages waiting in the partitions this instance holds, as far as its fetches have seen. */
  lag(): number;
  /** Lag and age of the oldest unhandled message, per partition. */
  backlog(): PartitionBacklog[];
}

const NO_PARTITIONS: PartitionReadings = { stalled: () => [], lag: () => 0, backlog: () => [] };

/** What `/health` and `/metrics` report about the service's Kafka consumer. */
export class ConsumerState {
  private joinedGroup = false;
  private consuming = false;
  private failure?: { since: number; reason: string; brokerUnreachable: boolean };
  private partitions: PartitionReadings = NO_PARTITIONS;

  constructor(private readonly now: () => number = Date.now) {}

  /** A consumer is expected: the full status waits until it has joined its group. */
  starting(): void {
    this.consuming = true;
  }

  joined(): void {
    this.joinedGroup = true;
    this.failure = undefined;
  }

  leftGroup(): void {
    this.joinedGroup = false;
  }

  /** The consumer failed and is being started again; `since` stays at the first failure of a run of them. */
  failed(error: unknown): void {
    this.joinedGroup = false;
    this.failure = {
      since: this.failure?.since ?? this.now(),
      reason: describe(error),
      brokerUnreachable: unreachable(error),
    };
  }

  /** Where the consumer reports its partitions: which are stalled, and what waits in them. */
  watchPartitions(readings: PartitionReadings): void {
    this.partitions = readings;
  }

  get stalled(): StalledPartition[] {
    return this.partitions.stalled();
  }

  /** Messages waiting in the partitions this instance holds, as far as its fetches have seen. */
  get lag(): number {
    return this.partitions.lag();
  }

  get backlog(): PartitionBacklog[] {
    return this.partitions.backlog();
  }

  /** Why the consumer is not fully working, or undefined when it is (the full `/health` status). */
  get problem(): string | undefined {
    if (this.failure) {
      const where = this.failure.brokerUnreachable ? 'the broker cannot be reached' : 'it keeps failing';
      return `the Kafka consumer is reconnecting (${where}): ${this.failure.reason}`;
    }
    if (this.consuming && !this.joinedGroup) {
      return 'the Kafka consumer has not joined its group yet';
    }
    const stalled = this.stalled.map(
      ({ topic, partition, offset, stalledForMs }) =>
        `${topic}/${partition} has not moved past offset ${offset} for ${Math.round(stalledForMs / 1000)} s`,
    );
    return stalled.length > 0 ? `stalled partitions: ${stalled.join('; ')}` : undefined;
  }

  /**
   * Why the process should be restarted, or undefined (`/health/live`): the consumer has failed
   * without a break for longer than `windowMs` although the broker answers. A broker that cannot be
   * reached is waited out instead: restarting this process would not bring it back.
   */
  wedged(windowMs: number): string | undefined {
    const failure = this.failure;
    if (!failure || failure.brokerUnreachable || this.now() - failure.since <= windowMs) {
      return undefined;
    }
    return `the Kafka consumer has failed for ${Math.round((this.now() - failure.since) / 1000)} s: ${failure.reason}`;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function unreachable(error: unknown): boolean {
  for (let current = error; current instanceof Error;) {
    if (UNREACHABLE.has(current.name) || (current as { code?: unknown }).code === 'ECONNREFUSED') {
      return true;
    }
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return false;
}
