import { StalledPartition } from './partition-progress';

/** What `/health` reports about the service's Kafka consumer. */
export class ConsumerState {
  private crash?: string;
  private joinedGroup = false;
  private consuming = false;
  private stalledPartitions: () => StalledPartition[] = () => [];
  private visibleLag: () => number = () => 0;

  /** A consumer is expected: readiness waits until it has joined its group. */
  starting(): void {
    this.consuming = true;
  }

  joined(): void {
    this.joinedGroup = true;
  }

  leftGroup(): void {
    this.joinedGroup = false;
  }

  crashed(reason: string): void {
    this.crash = reason;
  }

  /** Where the consumer reports its partitions: which are stalled, and how many messages wait. */
  watchPartitions(stalled: () => StalledPartition[], lag: () => number): void {
    this.stalledPartitions = stalled;
    this.visibleLag = lag;
  }

  /** Messages waiting in the partitions this instance holds, as far as its fetches have seen. */
  get lag(): number {
    return this.visibleLag();
  }

  get stalled(): StalledPartition[] {
    return this.stalledPartitions();
  }

  /** Why the service should not receive traffic, or undefined when its consumer is fine. */
  get problem(): string | undefined {
    if (this.crash) {
      return this.crash;
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
}
