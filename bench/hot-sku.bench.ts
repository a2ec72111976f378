import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Pool, PoolClient } from 'pg';
import { DistributedLock, LockAcquireFailedError } from '@app/consistency';
import { infraUp } from '../scripts/infra/infra';
import { startOutboxApp } from '../scripts/harness/outbox-app';
import { createTestDatabase } from '../scripts/harness/test-database';
import { runBenchmark, writeResult } from './results';
import { median, percentile, printTable } from './stats';

/**
 * 16 clients reserve one unit at a time from one SKU, with (a) the atomic conditional UPDATE, (b)
 * SELECT … FOR UPDATE then UPDATE, (c) the library's distributed lock around read-then-write, next
 * to a raw single-row UPDATE as the ceiling, all in the same run. Oversell must be 0 for a–c.
 */
const { values: options } = parseArgs({
  options: {
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    reps: { type: 'string', default: '3' },
  },
});
const CLIENTS = Number(options.clients);
const SECONDS = Number(options.seconds);
const REPETITIONS = Number(options.reps);
const SKU = 'HOT-SKU';

type Reserve = (client: PoolClient) => Promise<boolean>;

interface Run {
  perSecond: number;
  p99Ms: number;
  oversold: number;
}

const strategies: Record<string, (lock: DistributedLock) => Reserve> = {
  'raw UPDATE (ceiling)': () => async (client) => {
    await client.query('UPDATE hot_stock SET available = available - 1 WHERE sku = $1', [SKU]);
    return true;
  },
  'atomic conditional UPDATE': () => async (client) => {
    const result = await client.query(
      'UPDATE hot_stock SET available = available - 1 WHERE sku = $1 AND available >= 1',
      [SKU],
    );
    return result.rowCount === 1;
  },
  'SELECT … FOR UPDATE, then UPDATE': () => async (client) => {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{ available: number }>(
        'SELECT available FROM hot_stock WHERE sku = $1 FOR UPDATE',
        [SKU],
      );
      const reserved = rows[0].available >= 1;
      if (reserved) {
        await client.query('UPDATE hot_stock SET available = available - 1 WHERE sku = $1', [SKU]);
      }
      await client.query('COMMIT');
      return reserved;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  },
  'distributed lock, read then write': (lock) => async (client) => {
    for (;;) {
      try {
        return await lock.withLock(`lock:sku:${SKU}`, { ttlMs: 5000 }, async () => {
          const { rows } = await client.query<{ available: number }>('SELECT available FROM hot_stock WHERE sku = $1', [
            SKU,
          ]);
          if (rows[0].available < 1) {
            return false;
          }
          await client.query('UPDATE hot_stock SET available = $2 WHERE sku = $1', [SKU, rows[0].available - 1]);
          return true;
        });
      } catch (error) {
        if (!(error instanceof LockAcquireFailedError)) {
          throw error;
        }
      }
    }
  },
};

async function measure(pool: Pool, reserve: Reserve, unconditional: boolean): Promise<Run> {
  const initial = 10_000_000;
  await pool.query('UPDATE hot_stock SET available = $2 WHERE sku = $1', [SKU, initial]);
  const latencies: number[] = [];
  let reserved = 0;
  const deadline = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < deadline) {
          const started = performance.now();
          if (await reserve(client)) {
            reserved += 1;
          }
          latencies.push(performance.now() - started);
        }
      } finally {
        client.release();
      }
    }),
  );
  const [{ available }] = (
    await pool.query<{ available: number }>('SELECT available FROM hot_stock WHERE sku = $1', [SKU])
  ).rows;
  return {
    perSecond: reserved / SECONDS,
    p99Ms: percentile(latencies, 99),
    // Units handed out beyond what the counter lost: a lost update sells stock twice.
    oversold: unconditional ? 0 : reserved - (initial - available),
  };
}

async function main(): Promise<void> {
  const infra = await infraUp(() => undefined);
  const database = await createTestDatabase(infra.adminUrl, 'bench_hot_sku');
  const app = await startOutboxApp(database.url, infra.kafkaBrokers, { OUTBOX_RELAY_ENABLED: 'false' });
  const pool = new Pool({ connectionString: database.url, max: CLIENTS });
  try {
    await pool.query(
      'CREATE TABLE hot_stock (sku text PRIMARY KEY, available integer NOT NULL CHECK (available >= 0))',
    );
    await pool.query('INSERT INTO hot_stock (sku, available) VALUES ($1, 0)', [SKU]);
    const lock = app.app.get(DistributedLock);
    const results: Record<string, Run[]> = {};
    for (let rep = 1; rep <= REPETITIONS; rep++) {
      for (const [name, strategy] of Object.entries(strategies)) {
        const run = await measure(pool, strategy(lock), name.startsWith('raw'));
        (results[name] ??= []).push(run);
        process.stdout.write(`rep ${rep}/${REPETITIONS} ${name}: ${Math.round(run.perSecond)} reservations/s\n`);
      }
    }
    const summary = Object.fromEntries(
      Object.entries(results).map(([name, runs]) => [
        name,
        {
          perSecond: median(runs.map((run) => run.perSecond)),
          p99Ms: median(runs.map((run) => run.p99Ms)),
          oversold: Math.max(...runs.map((run) => run.oversold)),
        },
      ]),
    );
    const ceiling = summary['raw UPDATE (ceiling)'].perSecond;
    const lockPath = summary['distributed lock, read then write'].perSecond;
    printTable(
      `Hot SKU: ${CLIENTS} clients, ${SECONDS} s per run, median of ${REPETITIONS}`,
      ['strategy', 'reservations/s', 'p99 ms', 'oversold', 'vs ceiling', 'vs lock'],
      Object.entries(summary).map(([name, figures]) => [
        name,
        figures.perSecond,
        figures.p99Ms,
        String(figures.oversold),
        figures.perSecond / ceiling,
        figures.perSecond / lockPath,
      ]),
    );
    const at = new Date().toISOString();
    writeResult('hot-sku', at, { benchmark: 'hot-sku', at, clients: CLIENTS, seconds: SECONDS, summary, results });
  } finally {
    await pool.end();
    await app.app.close();
    await database.drop();
  }
}

runBenchmark(main);
