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
    return this.withLocks([key], { ttlMs }, (leases) => {
      const lease = leases.get(key);
      if (!lease) {
        throw new LockAcquireFailedError(`${key} is held by another owner`);
      }
      return work(lease);
    });
  }

  /**
   * Asks for the leases of several keys in one statement and releases them in one, for a worker that
   * handles a batch. `work` gets the leases granted, by key; a key another owner holds is absent
   * (the caller leaves that item for later), so nothing runs unguarded.
   */
  async withLocks<T>(
    keys: readonly string[],
    { ttlMs }: { ttlMs: number },
    work: (leases: ReadonlyMap<string, LockLease>) => Promise<T>,
  ): Promise<T> {
    // Sorted: two batches asking for overlapping keys wait for each other in the same order, never in a cycle.
    const wanted = [...new Set(keys)].sort();
    for (const key of wanted) {
      this.validate(key, ttlMs);
      this.metrics.known(lockEntity(key));
    }
    const owner = randomUUID();
    // From before the leases are asked for: the hold this measures always covers a lease's own lifetime.
    const since = performance.now();
    // The pool, not the caller's transaction: the leases must be visible to other contenders at once.
    const acquired = await this.dataSource.query<Array<{ key: string; token: string }>>(
      `INSERT INTO distributed_locks (key, owner, fencing_token, expires_at)
       SELECT key, $2, nextval('lock_fencing_tokens'), clock_timestamp() + make_interval(secs => $3 / 1000.0)
       FROM unnest($1::text[]) AS key
       ON CONFLICT (key) DO UPDATE
         SET owner = EXCLUDED.owner, fencing_token = EXCLUDED.fencing_token, expires_at = EXCLUDED.expires_at
         WHERE distributed_locks.expires_at <= clock_timestamp()
       RETURNING key, fencing_token::text AS token`,
      [wanted, owner, ttlMs],
    );
    const leases = new Map(acquired.map(({ key, token }) => [key, { key, fencingToken: token }]));
    for (const key of wanted) {
      this.metrics.outcome(lockEntity(key), leases.has(key) ? 'acquired' : 'failed');
    }
    try {
      return await work(leases);
    } finally {
      if (leases.size > 0) {
        await this.release([...leases.keys()], owner, performance.now() - since, ttlMs);
      }
    }
  }

  private async release(keys: string[], owner: string, heldMs: number, ttlMs: number): Promise<void> {
    // No row left means a newer holder took the key over, which it can only do once the lease expired.
    // (A SELECT around the DELETE: TypeORM answers a bare DELETE with [rows, count].)
    const released = await this.dataSource.query<Array<{ key: string; expired: boolean }>>(
      `WITH released AS (DELETE FROM distributed_locks WHERE key = ANY($1::text[]) AND owner = $2 RETURNING key, expires_at)
       SELECT key, expires_at <= clock_timestamp() AS expired FROM released`,
      [keys, owner],
    );
    const expired = new Map(released.map((row) => [row.key, row.expired]));
    for (const key of keys) {
      this.metrics.released(lockEntity(key), heldMs, ttlMs, expired.get(key) ?? true);
    }
  }

  /**
   * Call inside the guarded write's transaction: records `lease`'s token for `resource`, or throws
   * StaleFencingTokenError when a newer holder already wrote (this lease expired meanwhile).
   */
  async fence(resource: string, lease: LockLease): Promise<void> {
    if ((await this.fenceEach([{ resource, lease }])).size === 0) {
      throw new StaleFencingTokenError(
        `fencing token ${lease.fencingToken} of ${lease.key} is older than the last write to ${resource}`,
      );
    }
  }

  /**
   * `fence` for a batch of guarded writes, in one statement: returns the resources whose write may go
   * ahead; a resource missing from it was written by a newer holder, and its write must be dropped.
   */
  async fenceEach(writes: ReadonlyArray<{ resource: string; lease: LockLease }>): Promise<Set<string>> {
    // Sorted, like the leases: concurrent batches lock the resources' rows in one order.
    const sorted = [...writes].sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
    if (new Set(sorted.map((write) => write.resource)).size !== sorted.length) {
      throw new InvalidLockRequestError('each resource may be fenced once per statement');
    }
    const accepted = await this.transactions.manager.query<Array<{ resource: string }>>(
      `INSERT INTO fenced_resources (resource, last_token)
       SELECT * FROM unnest($1::text[], $2::bigint[])
       ON CONFLICT (resource) DO UPDATE SET last_token = EXCLUDED.last_token
         WHERE fenced_resources.last_token <= EXCLUDED.last_token
       RETURNING resource`,
      [sorted.map((write) => write.resource), sorted.map((write) => write.lease.fencingToken)],
    );
    const current = new Set(accepted.map((row) => row.resource));
    for (const { resource, lease } of sorted) {
      if (!current.has(resource)) {
        this.metrics.outcome(lockEntity(lease.key), 'stale-fence');
      }
    }
    return current;
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
