import { randomUUID } from 'node:crypto';
import { waitFor } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';
import { OutboxTestApp, startOutboxApp } from '../../scripts/harness/outbox-app';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { TopicReader } from '../../scripts/kafka/topic-reader';
import { createTopic, deleteTopic } from '../../scripts/infra/topics';

describe('outbox without retention (OUTBOX_RETENTION_HOURS=0)', () => {
  const infra = testInfra();
  const topic = `outbox-delete-${randomUUID()}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let outbox: OutboxTestApp;
  let reader: TopicReader;

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'outbox_delete');
    await createTopic(infra.kafkaBrokers, topic);
    outbox = await startOutboxApp(database.url, infra.kafkaBrokers, { OUTBOX_RETENTION_HOURS: '0' });
    reader = await new TopicReader(infra.kafkaBrokers, topic).start();
  });

  afterAll(async () => {
    await reader?.stop();
    await outbox?.app.close();
    await database?.drop();
    await deleteTopic(infra.kafkaBrokers, topic);
  });

  it('when events are published, then each reaches the topic once, in order per key, and its row is deleted', async () => {
    const ids: string[] = [];
    for (let seq = 1; seq <= 20; seq++) {
      ids.push(await outbox.widgets.create(topic, `key-${seq % 3}`, seq));
    }
    await reader.waitUntil('every event', (messages) =>
      ids.every((id) => messages.some((m) => m.headers['event-id'] === id)),
    );
    await waitFor(
      'the published rows to be deleted',
      async () => {
        const [{ n }] = await outbox.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM outbox');
        return n === 0 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const seen = reader.messages.filter((m) => ids.includes(m.headers['event-id']));
    expect(seen).toHaveLength(ids.length);
    for (const key of ['key-0', 'key-1', 'key-2']) {
      const seqs = seen.filter((m) => m.key === key).map((m) => (JSON.parse(m.value) as { seq: number }).seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });
});
