import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/consistency';
import { laneOf } from '@app/consistency/tools';
import { metricValue } from '../support/metrics';
import { OutboxTestApp } from '../../scripts/harness/outbox-app';
import { OutboxSuite } from '../support/outbox-suite';
import { TopicReader } from '../../scripts/kafka/topic-reader';
import { waitFor } from '../../scripts/infra/run-command';

describe('outbox rows published by the committing process (OUTBOX_PUBLISH_AFTER_COMMIT)', () => {
  const suite = new OutboxSuite('after_commit', { OUTBOX_POLL_INTERVAL_MS: '200' });
  const { topic } = suite;
  let outbox: OutboxTestApp;
  let reader: TopicReader;

  beforeAll(async () => ({ outbox, reader } = await suite.start()));

  afterAll(() => suite.stop());

  const afterCommitCount = async () =>
    metricValue(
      await outbox.app.get<Registry>(METRICS_REGISTRY).metrics(),
      'outbox_published_after_commit_total',
      {},
    ) ?? 0;

  const seqsOf = (key: string, ids: string[]) =>
    reader.messages
      .filter((m) => m.key === key && ids.includes(m.headers['event-id']))
      .map((m) => (JSON.parse(m.value) as { seq: number }).seq);

  async function published(ids: string[]): Promise<void> {
    await reader.waitUntil('every event', (messages) =>
      ids.every((id) => messages.some((m) => m.headers['event-id'] === id)),
    );
    await waitFor(
      'every row to be marked published',
      async () => {
        const [{ pending }] = await outbox.dataSource.query<Array<{ pending: number }>>(
          `SELECT count(*)::int AS pending FROM outbox WHERE event_id = ANY($1) AND status <> 'PUBLISHED'`,
          [ids],
        );
        return pending === 0 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(reader.messages.filter((m) => ids.includes(m.headers['event-id']))).toHaveLength(ids.length);
  }

  it('when transactions commit events into free lanes, then the committing process sends each right after its commit, once, and marks it', async () => {
    // Keys of 30 different lanes: a row is held only while nothing is pending in its lane.
    const byLane = new Map<number, string>();
    while (byLane.size < 30) {
      const key = `key-${randomUUID()}`;
      byLane.set(laneOf(key), key);
    }
    const before = await afterCommitCount();
    const ids: string[] = [];
    let seq = 0;
    for (const key of byLane.values()) {
      ids.push(await outbox.widgets.create(topic, key, ++seq));
    }
    await published(ids);
    // Relay rounds never count here: what they send is not held, and held rows are not theirs to claim.
    expect((await afterCommitCount()) - before).toBe(ids.length);
  });

  it('when commits of the same keys follow each other faster than they are sent, then every event still arrives once, in order per key', async () => {
    const ids: string[] = [];
    const keys = [0, 1, 2].map(() => `burst-${randomUUID()}`);
    for (let seq = 1; seq <= 60; seq++) {
      ids.push(await outbox.widgets.create(topic, keys[seq % 3], seq));
    }
    await published(ids);
    for (const key of keys) {
      const seqs = seqsOf(key, ids);
      expect(seqs).toHaveLength(20);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('when an earlier row of the key is still unpublished, then the new row is not held and goes out after it, through a relay round', async () => {
    const key = `behind-${randomUUID()}`;
    const earlier = randomUUID();
    // An earlier event of the key, resting after a refusal (as the relay leaves one): not sendable yet.
    await outbox.dataSource.query(
      `INSERT INTO outbox (event_id, event_type, topic, message_key, lane, value, headers, rejections, retry_at)
       VALUES ($1, 'widget.created', $2, $3, $4, $5, $6, 1, clock_timestamp() + interval '1 hour')`,
      [earlier, topic, key, laneOf(key), JSON.stringify({ key, seq: 1 }), JSON.stringify({ 'event-id': earlier })],
    );
    const before = await afterCommitCount();
    const later = await outbox.widgets.create(topic, key, 2);
    const [row] = await outbox.dataSource.query<Array<{ held: boolean; status: string }>>(
      `SELECT retry_at IS NOT NULL AS held, status FROM outbox WHERE message_key = $1 AND id = (SELECT max(id) FROM outbox WHERE message_key = $1)`,
      [key],
    );
    expect(row).toEqual({ held: false, status: 'PENDING' });

    await outbox.dataSource.query('UPDATE outbox SET retry_at = NULL WHERE event_id = $1', [earlier]);
    await reader.waitUntil('both events of the key', (messages) =>
      [earlier, later].every((id) => messages.some((m) => m.headers['event-id'] === id)),
    );
    expect(seqsOf(key, [earlier, later])).toEqual([1, 2]);
    expect((await afterCommitCount()) - before).toBe(0);
  });
});
