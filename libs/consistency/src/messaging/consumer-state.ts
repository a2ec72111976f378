/** What `/health` reports about the service's Kafka consumer. */
export class ConsumerState {
  private crash?: string;
  private joinedGroup = false;
  private consuming = false;

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

  /** Why the service should not receive traffic, or undefined when its consumer is fine. */
  get problem(): string | undefined {
    if (this.crash) {
      return this.crash;
    }
    return this.consuming && !this.joinedGroup ? 'the Kafka consumer has not joined its group yet' : undefined;
  }
}
