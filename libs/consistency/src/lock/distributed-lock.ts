import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LOCK_OPTIONS } from './lock.module-definition';
import type { LockOptions } from './lock.options';
import { TransactionHost } from '../transaction/transaction-host';
import { InvalidLockRequestError, LockAcquireFailedError, StaleFencingTokenError } from './lock.errors';
import { lockEntity, LockMetrics } from './lock.metrics';

/** Business-scoped keys only: `lock:<entity>:<id>`. A key for "everything" is refused. */
const KEY_PATTERN = /^lock:[a-z][a-z0-9-]*:[A-Za-z0-9._-]+$/;

export interface LockLease {
  key: string;
  /** Grows with every acquisition of any lock; a guarded write rejects one older than it has seen. */
  fencingToken: string;
}

/**
 * The last resort, for work that spans systems (row locks cover everything inside one database):
 * a PostgreSQL-backed lease with a required, capped TTL and a fencing token. Failing to acquire
 * throws; it never proceeds unguarded.
 */
@Injectable()
export class DistributedLock {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionHost,
    @Inject(LOCK_OPTIONS) private readonly options: LockOptions,
    private readonly metrics: LockMetrics,
  ) {}

  async withLock<T>(key: string, { ttlMs }: { ttlMs: number }, work: (lease: LockLease) => Promise<T>): Promise<T> {
    this.validate(key, ttlMs);
    const entity = lockEntity(key);
    this.metrics.known(entity);
    const owner = randomUUID();
    // From before the lease is asked for: the hold this measures always covers the lease's own lifetime.
    const since = performance.now();
    // The pool, not the caller's transaction: the lease must be visible to other contenders at once.
    const acquired = await this.dataSource.query<Array<{ token: string }>>(
      `INSERT INTO distributed_locks (key, owner, fencing_token, expires_at)
       VALUES ($1, $2, nextval('lock_fencing_tokens'), clock_timestamp() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (key) DO UPDATE
         SET owner = EXCLUDED.owner, fencing_token = EXCLUDED.fencing_token, expires_at = EXCLUDED.expires_at
         WHERE distributed_locks.expires_at <= clock_timestamp()
       RETURNING fencing_token::text AS token`,
      [key, owner, ttlMs],
    );
    if (acquired.length === 0) {
      this.metrics.outcome(entity, 'failed');
      throw new LockAcquireFailedError(`${key} is held by another owner`);
    }
    this.metrics.outcome(entity, 'acquired');
    try {
      return await work({ key, fencingToken: acquired[0].token });
    } finally {
      // No row left means a newer holder took the key over, which it can only do once the lease expired.
      // (A SELECT around the DELETE: TypeORM answers a bare DELETE with [rows, count].)
      const released = await this.dataSource.query<Array<{ expired: boolean }>>(
        `WITH released AS (DELETE FROM distributed_locks WHERE key = $1 AND owner = $2 RETURNING expires_at)
         SELECT expires_at <= clock_timestamp() AS expired FROM released`,
        [key, owner],
      );
      this.metrics.released(entity, performance.now() - since, ttlMs, released[0]?.expired ?? true);
    }
  }

  /**
   * Call inside the guarded write's transaction: records `lease`'s token for `resource`, or throws
   * StaleFencingTokenError when a newer holder already wrote (this lease expired meanwhile).
   */
  async fence(resource: string, lease: LockLease): Promise<void> {
    const accepted = await this.transactions.manager.query<unknown[]>(
      `INSERT INTO fenced_resources (resource, last_token) VALUES ($1, $2)
       ON CONFLICT (resource) DO UPDATE SET last_token = EXCLUDED.last_token
         WHERE fenced_resources.last_token <= EXCLUDED.last_token
       RETURNING last_token`,
      [resource, lease.fencingToken],
    );
    if (accepted.length === 0) {
      this.metrics.outcome(lockEntity(lease.key), 'stale-fence');
      throw new StaleFencingTokenError(
        `fencing token ${lease.fencingToken} of ${lease.key} is older than the last write to ${resource}`,
      );
    }
  }

  private validate(key: string, ttlMs: number): void {
    if (!KEY_PATTERN.test(key)) {
      throw new InvalidLockRequestError(
        `lock key "${key}" must be business-scoped as lock:<entity>:<id>, e.g. lock:shipment:<orderId>`,
      );
    }
    const max = this.options.maxTtlMs;
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > max) {
      throw new InvalidLockRequestError(
        `ttlMs is required: a whole number of milliseconds from 1 to ${max} (LOCK_MAX_TTL_MS)`,
      );
    }
  }
}
