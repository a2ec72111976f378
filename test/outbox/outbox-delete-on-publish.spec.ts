import { waitFor } from '../../scripts/infra/run-command';
import { OutboxTestApp } from '../../scripts/harness/outbox-app';
import { OutboxSuite } from '../support/outbox-suite';
import { TopicReader } from '../../scripts/kafka/topic-reader';

describe('outbox without retention (OUTBOX_RETENTION_HOURS=0)', () => {
  const suite = new OutboxSuite('delete', { OUTBOX_RETENTION_HOURS: '0' });
  const { topic } = suite;
  let outbox: OutboxTestApp;
  let reader: TopicReader;

  beforeAll(async () => ({ outbox, reader } = await suite.start()));

  afterAll(() => suite.stop());

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
