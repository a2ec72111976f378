import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { defineService } from '@app/consistency';
import { claimInbox, migrationsOf } from '@app/consistency/tools';
import { waitFor } from '../../scripts/infra/run-command';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { testInfra } from '../support/infra-env';

describe('consumer transactions lock their orders in one global order', () => {
  const infra = testInfra();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'order_locks');
    const manifest = defineService({ name: 'locks', defaultPort: 1, consumes: [], migrations: [], patterns: {} });
    dataSource = await new DataSource({
      type: 'postgres',
      url: database.url,
      migrations: migrationsOf(manifest),
    }).initialize();
    await dataSource.runMigrations();
    await dataSource.query('CREATE TABLE order_rows (order_id text PRIMARY KEY, touched integer NOT NULL DEFAULT 0)');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function begin(): Promise<QueryRunner> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    return runner;
  }

  const touch = (runner: QueryRunner, orderId: string) =>
    runner.query('UPDATE order_rows SET touched = touched + 1 WHERE order_id = $1', [orderId]);

  it('when two transactions handle the same two orders in opposite orders, then one waits for the other instead of deadlocking', async () => {
    const [x, y] = [randomUUID(), randomUUID()];
    await dataSource.query('INSERT INTO order_rows (order_id) VALUES ($1), ($2)', [x, y]);
    const first = await begin();
    const second = await begin();
    try {
      const [{ pid }] = (await second.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
      await claimInbox(first.manager, 'group', [
        { eventId: randomUUID(), orderId: x },
        { eventId: randomUUID(), orderId: y },
      ]);
      await touch(first, x);
      const secondDone = (async () => {
        await claimInbox(second.manager, 'group', [
          { eventId: randomUUID(), orderId: y },
          { eventId: randomUUID(), orderId: x },
        ]);
        await touch(second, y);
        await touch(second, x);
        await second.commitTransaction();
      })();
      // Unguarded, the second would now hold y and wait for x: a cycle once the first touches y.
      await waitFor(
        'the second transaction to wait for a lock',
        async () => {
          const [activity] = await dataSource.query<Array<{ wait: string | null }>>(
            'SELECT wait_event_type AS wait FROM pg_stat_activity WHERE pid = $1',
            [pid],
          );
          return activity?.wait === 'Lock' ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 20 },
      );
      await touch(first, y);
      await first.commitTransaction();
      await secondDone;
      const rows = await dataSource.query<Array<{ touched: number }>>(
        'SELECT touched FROM order_rows WHERE order_id = ANY($1)',
        [[x, y]],
      );
      expect(rows.map((row) => row.touched)).toEqual([2, 2]);
    } finally {
      await Promise.all([first, second].map((runner) => runner.release()));
    }
  });
});
