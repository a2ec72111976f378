import { DataSource } from 'typeorm';
import { OutboxNotifier } from '@app/consistency/tools';
import { waitFor } from '../../scripts/infra/run-command';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { testInfra } from '../support/infra-env';

describe('outbox wake-ups across instances (LISTEN/NOTIFY)', () => {
  const infra = testInfra();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'outbox_notifier');
    dataSource = await new DataSource({ type: 'postgres', url: database.url }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('when another instance listens, then commits are announced to it; once it is gone, none are sent', async () => {
    const writer = new OutboxNotifier(dataSource, database.url);
    const other = new OutboxNotifier(dataSource, database.url);
    let otherWoken = 0;
    try {
      await writer.listen(() => undefined);
      expect(writer.othersListen).toBe(false);

      await other.listen(() => (otherWoken += 1));
      const afterListen = otherWoken;
      await waitFor(
        'the writer to see the other listener',
        () => Promise.resolve(writer.othersListen ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
      writer.notify();
      await waitFor(
        'the other instance to be woken',
        () => Promise.resolve(otherWoken > afterListen ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 20,
        },
      );

      await other.close();
      await waitFor(
        'the writer to see it listens alone',
        () => Promise.resolve(writer.othersListen ? undefined : true),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
    } finally {
      await Promise.all([writer.close(), other.close()]);
    }
  });
});
