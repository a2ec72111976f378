import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ServiceLifecycle } from './service-lifecycle';

const PING_REUSE_MS = 1000;

/** Whether this instance may take traffic: migrated, not shutting down, and its database answers. */
@Injectable()
export class Readiness {
  private databasePing?: { at: number; ping: Promise<HealthIndicatorResult> };

  constructor(
    private readonly database: TypeOrmHealthIndicator,
    private readonly lifecycle: ServiceLifecycle,
  ) {}

  /**
   * Load balancers probe often, and under load a ping waits for a pool connection: one ping a
   * second serves every probe in between, so readiness answers at once and never adds to the load.
   */
  recentDatabasePing(): Promise<HealthIndicatorResult> {
    if (!this.databasePing || Date.now() - this.databasePing.at > PING_REUSE_MS) {
      const ping = this.database.pingCheck('database', { timeout: 2000 });
      this.databasePing = { at: Date.now(), ping };
    }
    return this.databasePing.ping;
  }

  /** What `/health/ready` answers 200 for, as a yes or no. */
  async ready(): Promise<boolean> {
    if (this.lifecycle.notReadyBecause !== undefined) {
      return false;
    }
    const ping = await this.recentDatabasePing();
    return Object.values(ping).every(({ status }) => status === 'up');
  }
}
