import { Client } from 'pg';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { runCommand } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';
import { createTestDatabase } from '../../scripts/harness/test-database';

describe('npm run migrate', () => {
  const infra = testInfra();

  it('when run on an empty database twice, then the first run creates the tables and the second finds nothing to do', async () => {
    const database = await createTestDatabase(infra.adminUrl, 'migrate');
    const migrate = () =>
      runCommand('npm', ['run', '--silent', 'migrate', '--', 'inventory'], {
        cwd: REPO_ROOT,
        env: { ...process.env, INVENTORY_DATABASE_URL: database.url },
      });
    try {
      const first = await migrate();
      expect(first.code).toBe(0);
      expect(first.output).toMatch(
        /inventory\s+CreateStock\d+, CreateOutbox\d+, CreateReservations\d+, CreateInbox\d+, CreateIdempotencyKeys\d+, CreateDistributedLocks\d+, CreateSagaBarrier\d+, CommitReservations\d+, CreateSkippedMessages\d+, ParkOutboxRows\d+, IdempotencyResponseHeaders\d+/,
      );
      expect((await migrate()).output).toMatch(/inventory\s+up to date/);

      const client = new Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
      );
      await client.end();
      expect(rows.map((row) => row.tablename)).toEqual([
        'distributed_locks',
        'fenced_resources',
        'idempotency_keys',
        'inbox',
        'migrations',
        'outbox',
        'outbox_lanes',
        'reservation_lines',
        'reservations',
        'saga_barrier',
        'skipped_messages',
        'stock_items',
      ]);
    } finally {
      await database.drop();
    }
  });

  it('when a service name is unknown, then it exits non-zero and lists the services', async () => {
    const result = await runCommand('npm', ['run', '--silent', 'migrate', '--', 'billing'], { cwd: REPO_ROOT });
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      'unknown service billing; expected some of order, inventory, shipping, notification',
    );
  });
});
