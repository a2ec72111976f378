import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import {
  DistributedLock,
  LockAcquireFailedError,
  LockLease,
  METRICS_REGISTRY,
  StaleFencingTokenError,
} from '@app/consistency';
import { InvalidLockRequestError } from '@app/consistency/tools';
import { waitFor } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';
import { OutboxTestApp, startOutboxApp } from '../../scripts/harness/outbox-app';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { metricValue } from '../support/metrics';

describe('guarded distributed lock', () => {
  const infra = testInfra();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: OutboxTestApp;
  let lock: DistributedLock;

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'lock');
    app = await startOutboxApp(database.url, infra.kafkaBrokers, {
      OUTBOX_RELAY_ENABLED: 'false',
      LOCK_MAX_TTL_MS: '10000',
    });
    lock = app.app.get(DistributedLock);
  });

  afterAll(async () => {
    await app?.app.close();
    await database?.drop();
  });

  /** The app's `/metrics` text. */
  const metrics = () => app.app.get<Registry>(METRICS_REGISTRY).metrics();

  async function expired(key: string): Promise<void> {
    await waitFor(
      `the lease of ${key} to expire`,
      async () => {
        const [row] = await app.dataSource.query<Array<{ expired: boolean }>>(
          'SELECT expires_at <= clock_timestamp() AS expired FROM distributed_locks WHERE key = $1',
          [key],
        );
        return row.expired ? true : undefined;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
  }

  it('when two contenders race for one key, then one runs and the other gets LockAcquireFailedError', async () => {
    const key = `lock:shipment:${randomUUID()}`;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = lock.withLock(key, { ttlMs: 5000 }, async () => {
      entered();
      await held;
      return 'first ran';
    });
    await inside;
    await expect(lock.withLock(key, { ttlMs: 5000 }, () => Promise.resolve('second ran'))).rejects.toThrow(
      LockAcquireFailedError,
    );
    release();
    await expect(first).resolves.toBe('first ran');
    await expect(lock.withLock(key, { ttlMs: 5000 }, () => Promise.resolve('after release'))).resolves.toBe(
      'after release',
    );
  });

  it("when a holder's lease expires and a newer holder writes, then the stale holder's write is rejected", async () => {
    const key = `lock:shipment:${randomUUID()}`;
    const resource = `carrier-booking:${key}`;
    let staleLease!: LockLease;
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let leased!: () => void;
    const hasLease = new Promise<void>((resolve) => (leased = resolve));

    const stale = lock.withLock(key, { ttlMs: 200 }, async (lease) => {
      staleLease = lease;
      leased();
      await paused;
      await app.transactions.run(() => lock.fence(resource, lease));
    });
    await hasLease;
    await waitFor(
      'the first lease to expire',
      async () => {
        const [row] = await app.dataSource.query<Array<{ expired: boolean }>>(
          'SELECT expires_at <= clock_timestamp() AS expired FROM distributed_locks WHERE key = $1',
          [key],
        );
        return row.expired ? true : undefined;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );

    await lock.withLock(key, { ttlMs: 5000 }, async (fresh) => {
      expect(BigInt(fresh.fencingToken)).toBeGreaterThan(BigInt(staleLease.fencingToken));
      await app.transactions.run(() => lock.fence(resource, fresh));
      resume();
      await expect(stale).rejects.toThrow(StaleFencingTokenError);
      const [row] = await app.dataSource.query<Array<{ token: string }>>(
        'SELECT fencing_token::text AS token FROM distributed_locks WHERE key = $1',
        [key],
      );
      expect(row.token).toBe(fresh.fencingToken);
    });
  });

  it('when the work throws, then the lock is released', async () => {
    const key = `lock:order:${randomUUID()}`;
    await expect(lock.withLock(key, { ttlMs: 5000 }, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.withLock(key, { ttlMs: 5000 }, () => Promise.resolve('free'))).resolves.toBe('free');
  });

  it.each([['lock:global'], ['lock:shipment:'], ['shipment:42'], ['lock:Shipment:42'], ['lock:shipment:a b']])(
    'when the key is "%s", then it is refused as not business-scoped',
    async (key) => {
      await expect(lock.withLock(key, { ttlMs: 1000 }, () => Promise.resolve())).rejects.toThrow(
        /must be business-scoped as lock:<entity>:<id>/,
      );
    },
  );

  it.each([[0], [10_001], [1.5], [Number.NaN]])('when ttlMs is %s, then it is refused with the cap', async (ttlMs) => {
    await expect(lock.withLock('lock:order:1', { ttlMs }, () => Promise.resolve())).rejects.toThrow(
      InvalidLockRequestError,
    );
    await expect(lock.withLock('lock:order:1', { ttlMs }, () => Promise.resolve())).rejects.toThrow(
      'from 1 to 10000 (LOCK_MAX_TTL_MS)',
    );
  });

  it('when a key is held, then /metrics counts the holder as acquired, the contender as failed, and the hold against its TTL', async () => {
    // Entities of their own: every count below belongs to this test alone.
    const key = `lock:held-probe:${randomUUID()}`;
    await lock.withLock(key, { ttlMs: 5000 }, async () => {
      await expect(lock.withLock(key, { ttlMs: 5000 }, () => Promise.resolve())).rejects.toThrow(
        LockAcquireFailedError,
      );
    });
    const text = await metrics();
    const entity = { entity: 'held-probe' };
    expect(metricValue(text, 'lock_acquisitions_total', { ...entity, outcome: 'acquired' })).toBe(1);
    expect(metricValue(text, 'lock_acquisitions_total', { ...entity, outcome: 'failed' })).toBe(1);
    expect(metricValue(text, 'lock_acquisitions_total', { ...entity, outcome: 'stale-fence' })).toBe(0);
    expect(metricValue(text, 'lock_lease_expirations_total', entity)).toBe(0);
    expect(metricValue(text, 'lock_held_seconds_count', entity)).toBe(1);
    expect(metricValue(text, 'lock_held_ttl_ratio_bucket', { ...entity, le: '0.5' })).toBe(1);
  });

  it('when a lease expires under its holder and a newer holder writes, then /metrics counts the stale fence and the expiration', async () => {
    const key = `lock:expiry-probe:${randomUUID()}`;
    const resource = `carrier-booking:${key}`;
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let leased!: () => void;
    const hasLease = new Promise<void>((resolve) => (leased = resolve));
    const stale = lock.withLock(key, { ttlMs: 200 }, async (lease) => {
      leased();
      await paused;
      await app.transactions.run(() => lock.fence(resource, lease));
    });
    await hasLease;
    await expired(key);
    await lock.withLock(key, { ttlMs: 5000 }, async (fresh) => {
      await app.transactions.run(() => lock.fence(resource, fresh));
      resume();
      await expect(stale).rejects.toThrow(StaleFencingTokenError);
    });

    const text = await metrics();
    const entity = { entity: 'expiry-probe' };
    expect(metricValue(text, 'lock_acquisitions_total', { ...entity, outcome: 'acquired' })).toBe(2);
    expect(metricValue(text, 'lock_acquisitions_total', { ...entity, outcome: 'stale-fence' })).toBe(1);
    expect(metricValue(text, 'lock_lease_expirations_total', entity)).toBe(1);
    // The stale holder outlived its TTL; the fresh one did not.
    expect(metricValue(text, 'lock_held_ttl_ratio_count', entity)).toBe(2);
    expect(metricValue(text, 'lock_held_ttl_ratio_bucket', { ...entity, le: '1' })).toBe(1);
  });

  it('when a lease runs out while its holder works and nobody takes the key, then the expiration is still counted', async () => {
    const key = `lock:lapse-probe:${randomUUID()}`;
    await lock.withLock(key, { ttlMs: 100 }, () => expired(key));
    const text = await metrics();
    expect(metricValue(text, 'lock_lease_expirations_total', { entity: 'lapse-probe' })).toBe(1);
    expect(metricValue(text, 'lock_acquisitions_total', { entity: 'lapse-probe', outcome: 'acquired' })).toBe(1);
  });

  it('when a batch asks for keys of which another owner holds one, then it gets the free ones and releases them together', async () => {
    const [free, alsoFree, taken] = [randomUUID(), randomUUID(), randomUUID()].map((id) => `lock:batch-probe:${id}`);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holder = lock.withLock(taken, { ttlMs: 5000 }, async () => {
      entered();
      await held;
    });
    await inside;

    const granted = await lock.withLocks([free, taken, alsoFree, free], { ttlMs: 5000 }, async (leases) => {
      const rows = await app.dataSource.query<Array<{ key: string; token: string }>>(
        'SELECT key, fencing_token::text AS token FROM distributed_locks WHERE key = ANY($1) ORDER BY key',
        [[free, alsoFree]],
      );
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(leases.get(row.key)).toEqual({ key: row.key, fencingToken: row.token });
      }
      return [...leases.keys()].sort();
    });
    expect(granted).toEqual([free, alsoFree].sort());
    release();
    await holder;

    const [{ left }] = await app.dataSource.query<Array<{ left: number }>>(
      'SELECT count(*)::int AS left FROM distributed_locks WHERE key = ANY($1)',
      [[free, alsoFree, taken]],
    );
    expect(left).toBe(0);
    const text = await metrics();
    const entity = { entity: 'batch-probe' };
    expect(metricValue(text, 'lock_acquisitions_total', { ...entity, outcome: 'acquired' })).toBe(3);
    expect(metricValue(text, 'lock_acquisitions_total', { ...entity, outcome: 'failed' })).toBe(1);
    expect(metricValue(text, 'lock_held_seconds_count', entity)).toBe(3);
  });

  it('when a batch of guarded writes includes one a newer holder already made, then fenceEach lets the others through and drops it', async () => {
    const [current, overtaken] = [randomUUID(), randomUUID()].map((id) => `lock:fence-probe:${id}`);
    const resource = (key: string) => `carrier-booking:${key}`;
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let leased!: () => void;
    const hasLeases = new Promise<void>((resolve) => (leased = resolve));
    const stale = lock.withLocks([current, overtaken], { ttlMs: 200 }, async (leases) => {
      leased();
      await paused;
      return app.transactions.run(() =>
        lock.fenceEach([current, overtaken].map((key) => ({ resource: resource(key), lease: leases.get(key)! }))),
      );
    });
    await hasLeases;
    await expired(overtaken);
    await lock.withLock(overtaken, { ttlMs: 5000 }, (fresh) =>
      app.transactions.run(() => lock.fence(resource(overtaken), fresh)),
    );
    resume();

    await expect(stale).resolves.toEqual(new Set([resource(current)]));
    const text = await metrics();
    expect(metricValue(text, 'lock_acquisitions_total', { entity: 'fence-probe', outcome: 'stale-fence' })).toBe(1);
  });

  it('when one resource is fenced twice in one batch, then the batch is refused', async () => {
    const key = `lock:order:${randomUUID()}`;
    await lock.withLock(key, { ttlMs: 5000 }, async (lease) => {
      await expect(
        app.transactions.run(() =>
          lock.fenceEach([
            { resource: 'twice', lease },
            { resource: 'twice', lease },
          ]),
        ),
      ).rejects.toThrow(InvalidLockRequestError);
    });
  });
});
