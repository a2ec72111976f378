import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { infraLayout } from '../../scripts/infra/layout';
import { startEmbeddedKafka, stopEmbeddedKafka } from '../../scripts/infra/kafka';
import { waitFor } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';
import { OutboxTestApp, startOutboxApp } from '../../scripts/harness/outbox-app';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { sequencesByKey, TopicReader } from '../../scripts/kafka/topic-reader';
import { createTopic } from '../../scripts/infra/topics';

/** A broker of its own, so stopping it disturbs no other suite. */
describe('outbox relay while the broker is down', () => {
  const infra = testInfra();
  const layout = infraLayout(mkdtempSync(join(tmpdir(), 'outbox-outage-')));
  // Below the ephemeral port range, so no client connection's local port can hold them.
  const ports = { client: 29392, controller: 29393 };
  const topic = `outbox-outage-${randomUUID()}`;
  let brokers: string[];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let outbox: OutboxTestApp;

  beforeAll(async () => {
    brokers = await startEmbeddedKafka(layout, ports, '256m');
    await createTopic(brokers, topic);
    database = await createTestDatabase(infra.adminUrl, 'outbox_outage');
    outbox = await startOutboxApp(database.url, brokers, { OUTBOX_MAX_BACKOFF_MS: '1000' });
  });

  afterAll(async () => {
    await outbox?.app.close();
    await stopEmbeddedKafka(layout);
    await database?.drop();
    rmSync(layout.local, { recursive: true, force: true });
  });

  async function write(fromSeq: number, toSeq: number): Promise<void> {
    for (let seq = fromSeq; seq < toSeq; seq++) {
      for (let key = 0; key < 10; key++) {
        await outbox.widgets.create(topic, `key-${key}`, seq);
      }
    }
  }

  async function scalar(sql: string): Promise<number> {
    const [row] = await outbox.dataSource.query<Array<{ n: number }>>(sql);
    return row.n;
  }

  it('when the broker stops mid-stream, then writes keep succeeding and the backlog drains in order after restart', async () => {
    await write(0, 10);
    await waitFor(
      'the first 100 events to be published',
      async () =>
        (await scalar(`SELECT count(*)::int AS n FROM outbox WHERE status = 'PENDING'`)) === 0 ? true : undefined,
      { timeoutMs: 30_000 },
    );

    await stopEmbeddedKafka(layout);
    await write(10, 30);
    expect(await scalar(`SELECT count(*)::int AS n FROM outbox WHERE status = 'PENDING'`)).toBe(200);
    await waitFor(
      'failed attempts to be recorded',
      async () =>
        (await scalar(`SELECT count(*)::int AS n FROM outbox WHERE attempts > 0 AND last_error IS NOT NULL`)) > 0
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );

    await startEmbeddedKafka(layout, ports, '256m');
    const reader = await new TopicReader(brokers, topic).start();
    try {
      await reader.waitUntil(
        'all 300 events',
        (messages) => new Set(messages.map((m) => m.value)).size === 300,
        90_000,
      );
      const expected = Array.from({ length: 30 }, (_, seq) => seq);
      for (const [key, seqs] of sequencesByKey(reader.messages)) {
        const firstDeliveries = seqs.filter((seq, index) => seqs.indexOf(seq) === index);
        expect({ key, firstDeliveries }).toEqual({ key, firstDeliveries: expected });
      }
      expect(await scalar(`SELECT count(*)::int AS n FROM outbox WHERE status = 'PENDING'`)).toBe(0);
    } finally {
      await reader.stop();
    }
  });
});
