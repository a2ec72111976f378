import { randomUUID } from 'node:crypto';
import { Counter, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/consistency';
import { waitFor } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';
import { OutboxTestApp, startOutboxApp } from '../../scripts/harness/outbox-app';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { sequencesByKey, TopicReader } from '../../scripts/kafka/topic-reader';
import { createTopic, deleteTopic } from '../../scripts/infra/topics';

/** The broker takes at most 1,048,588 bytes per partition per request (message.max.bytes). */
describe('outbox relay: produce requests sized by bytes', () => {
  const infra = testInfra();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let outbox: OutboxTestApp;
  // Deleted only once the relay is closed: its producers keep asking for every topic they sent to.
  const topics: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'outbox_request_size');
    outbox = await startOutboxApp(database.url, infra.kafkaBrokers);
  });

  afterAll(async () => {
    await outbox?.app.close();
    await database?.drop();
    for (const topic of topics) {
      await deleteTopic(infra.kafkaBrokers, topic);
    }
  });

  async function newTopic(name: string, partitions: number): Promise<string> {
    const topic = `${name}-${randomUUID()}`;
    await createTopic(infra.kafkaBrokers, topic, partitions);
    topics.push(topic);
    return topic;
  }

  /** Writes the events in ONE transaction, so the relay finds them all in one claim. */
  async function enqueueTogether(topic: string, events: Array<{ key: string; seq: number }>, payloadBytes: number) {
    await outbox.transactions.run(async () => {
      for (const { key, seq } of events) {
        await outbox.widgets.enqueue(topic, key, seq, randomUUID(), payloadBytes);
      }
    });
  }

  /** Requests the broker refused whole: each would have been sent again row by row. */
  async function splitRequests(): Promise<number> {
    const metric = outbox.app.get<Registry>(METRICS_REGISTRY).getSingleMetric('outbox_split_requests_total');
    return (await (metric as Counter).get()).values[0]?.value ?? 0;
  }

  /** Rows of `topic` that failed an attempt, with the error, so a failure says what happened. */
  function failedRows(topic: string): Promise<Array<{ attempts: number; last_error: string }>> {
    return outbox.dataSource.query(`SELECT attempts, last_error FROM outbox WHERE topic = $1 AND attempts > 0`, [
      topic,
    ]);
  }

  /** Rows are marked when their round commits, which may be just after the reader saw them. */
  async function waitUntilAllMarked(topic: string, count: number): Promise<void> {
    await waitFor(
      `${count} rows marked published`,
      async () => {
        const [row] = await outbox.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND status = 'PUBLISHED'`,
          [topic],
        );
        return row.n === count ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  it('when ~1 MB events share a key, then all are published in order and the broker refuses no request', async () => {
    const topic = await newTopic('outbox-large', 3);
    const reader = await new TopicReader(infra.kafkaBrokers, topic).start();
    try {
      const events = [0, 1, 2, 3].map((seq) => ({ key: 'large-key', seq }));
      await enqueueTogether(topic, events, 990_000);
      await reader.waitUntil('four ~1 MB events', (messages) => messages.length >= 4, 60_000);
      expect(sequencesByKey(reader.messages).get('large-key')).toEqual([0, 1, 2, 3]);
      expect(reader.messages).toHaveLength(4);
      await waitUntilAllMarked(topic, 4);
      expect(await failedRows(topic)).toEqual([]);
      expect(await splitRequests()).toBe(0);
    } finally {
      await reader.stop();
    }
  });

  it('when 300 events of 40 KB wait for one partition, then all are published, every key in order, none refused', async () => {
    const topic = await newTopic('outbox-one-partition', 1);
    const reader = await new TopicReader(infra.kafkaBrokers, topic).start();
    try {
      const keys = 10;
      const perKey = 30;
      const events = Array.from({ length: keys * perKey }, (_, i) => ({
        key: `key-${i % keys}`,
        seq: Math.floor(i / keys),
      }));
      await enqueueTogether(topic, events, 40_000);
      await reader.waitUntil('300 events of 40 KB', (messages) => messages.length >= keys * perKey, 90_000);
      const expected = Array.from({ length: perKey }, (_, seq) => seq);
      const sequences = sequencesByKey(reader.messages);
      expect(sequences.size).toBe(keys);
      for (const [key, seqs] of sequences) {
        expect({ key, seqs }).toEqual({ key, seqs: expected });
      }
      await waitUntilAllMarked(topic, keys * perKey);
      expect(await failedRows(topic)).toEqual([]);
      expect(await splitRequests()).toBe(0);
    } finally {
      await reader.stop();
    }
  });
});
