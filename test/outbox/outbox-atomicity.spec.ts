import { EventTooLargeError } from '@app/consistency/tools';
import { waitFor } from '../../scripts/infra/run-command';
import { OutboxTestApp } from '../../scripts/harness/outbox-app';
import { OutboxSuite } from '../support/outbox-suite';
import { TopicReader } from '../../scripts/kafka/topic-reader';

describe('outbox: state change and event commit together', () => {
  const suite = new OutboxSuite('atomicity');
  const { topic } = suite;
  let outbox: OutboxTestApp;
  let reader: TopicReader;

  beforeAll(async () => ({ outbox, reader } = await suite.start()));

  afterAll(() => suite.stop());

  async function count(table: 'widgets' | 'outbox'): Promise<number> {
    const [row] = await outbox.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${table}`);
    return row.n;
  }

  it('when the handler throws after enqueueing, then neither the state change nor the event exists', async () => {
    await expect(outbox.widgets.create(topic, 'key-rollback', 1, { failAfterEnqueue: true })).rejects.toThrow(
      'handler failed after enqueue',
    );
    expect(await count('widgets')).toBe(0);
    expect(await count('outbox')).toBe(0);
  });

  it('when the handler commits, then the widget exists and its event reaches the topic with its headers', async () => {
    const id = await outbox.widgets.create(topic, 'key-commit', 1);
    await reader.waitUntil('the committed event', (messages) => messages.some((m) => m.headers['event-id'] === id));
    const [message] = reader.messages.filter((m) => m.headers['event-id'] === id);
    expect(message.key).toBe('key-commit');
    expect(JSON.parse(message.value)).toMatchObject({ key: 'key-commit', seq: 1 });
    expect(await count('widgets')).toBe(1);
    // The broker acknowledges before the relay's mark commits, so a reader can be a moment ahead.
    const row = await waitFor(
      'the row to be marked published',
      async () => {
        const [found] = await outbox.dataSource.query<Array<{ status: string; published_at: Date | null }>>(
          'SELECT status, published_at FROM outbox WHERE event_id = $1',
          [id],
        );
        return found?.status === 'PUBLISHED' ? found : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(row.published_at).toBeInstanceOf(Date);
  });

  it('when a @Transactional() method throws, then its writes roll back; when it returns, they commit', async () => {
    const before = await count('outbox');
    await expect(outbox.widgets.createWithDecorator(topic, 'key-decorated', 1, true)).rejects.toThrow(
      'decorated handler failed',
    );
    expect(await count('outbox')).toBe(before);
    await outbox.widgets.createWithDecorator(topic, 'key-decorated', 2, false);
    expect(await count('outbox')).toBe(before + 1);
    await reader.waitUntil('the decorated event', (messages) => messages.some((m) => m.key === 'key-decorated'));
  });

  it('when an event is larger than the configured limit, then enqueue rejects it and the transaction rolls back', async () => {
    await expect(outbox.widgets.create(topic, 'key-huge', 1, { payloadBytes: 1_100_000 })).rejects.toThrow(
      EventTooLargeError,
    );
    expect(await count('widgets')).toBe(2);
  });

  it('when enqueue is called outside a transaction, then it refuses instead of writing on its own', async () => {
    await expect(outbox.widgets.enqueue(topic, 'key-orphan', 1)).rejects.toThrow(/no transaction is active/);
  });

  it('when published rows are older than the retention window, then the purge removes them and keeps pending ones', async () => {
    await outbox.dataSource.query(
      `UPDATE outbox SET published_at = now() - interval '2 days' WHERE status = 'PUBLISHED'`,
    );
    const published = await count('outbox');
    expect(published).toBeGreaterThan(0);
    await expect(outbox.relay.purgeExpired()).resolves.toBe(published);
    expect(await count('outbox')).toBe(0);
  });
});
