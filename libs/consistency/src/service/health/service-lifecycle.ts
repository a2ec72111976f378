/** Where the process is in its life, as readiness sees it: migrated and serving, or draining to stop. */
export class ServiceLifecycle {
  private migrated = false;
  private shuttingDown = false;
  private readonly drainingListeners: Array<() => void> = [];

  markMigrated(): void {
    this.migrated = true;
  }

  /** Shutdown has begun: readiness fails first, so traffic goes elsewhere before the server closes. */
  markDraining(): void {
    this.shuttingDown = true;
    this.drainingListeners.forEach((listener) => listener());
  }

  /** Calls `listener` when shutdown begins, e.g. to answer requests held open so the server can drain. */
  onDraining(listener: () => void): void {
    this.drainingListeners.push(listener);
  }

  get draining(): boolean {
    return this.shuttingDown;
  }

  /** Why this instance should not take traffic (beyond its database not answering), or undefined. */
  get notReadyBecause(): string | undefined {
    if (this.shuttingDown) {
      return 'shutting down';
    }
    return this.migrated ? undefined : 'migrations have not run yet';
  }
}
