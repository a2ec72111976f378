import { randomUUID } from 'node:crypto';
import { Counter, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/consistency';
import { testInfra } from '../support/infra-env';
import { OutboxTestApp, startOutboxApp } from '../../scripts/harness/outbox-app';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { sequencesByKey, TopicReader } from '../../scripts/kafka/topic-reader';
import { createTopic, deleteTopic } from '../../scripts/infra/topics';

describe('outbox relay: nothing skipped, per-key order kept', () => {
  const infra = testInfra();
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const apps: OutboxTestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'outbox_ordering');
  });

  afterAll(async () => {
    await Promise.all(apps.map((outbox) => outbox.app.close()));
    await database?.drop();
  });

  it('when a transaction stays open while later ones commit and publish, then its event is still published', async () => {
    const topic = `outbox-late-${randomUUID()}`;
    await createTopic(infra.kafkaBrokers, topic);
    const outbox = await startOutboxApp(database.url, infra.kafkaBrokers);
    const reader = await new TopicReader(infra.kafkaBrokers, topic).start();
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let enqueued!: () => void;
      const lateEnqueued = new Promise<void>((resolve) => (enqueued = resolve));
      const late = outbox.transactions.run(async () => {
        await outbox.widgets.enqueue(topic, 'late-key', 0);
        enqueued();
        await gate;
      });
      await lateEnqueued;

      for (let seq = 1; seq <= 5; seq++) {
        await outbox.widgets.create(topic, `early-key-${seq}`, seq);
      }
      await reader.waitUntil('the five later events', (messages) => messages.length === 5);

      release();
      await late;
      await reader.waitUntil('the late event', (messages) => messages.some((m) => m.key === 'late-key'));
      expect(reader.messages).toHaveLength(6);
    } finally {
      await reader.stop();
      await outbox.app.close();
      await deleteTopic(infra.kafkaBrokers, topic);
    }
  });

  it('when two relays drain 10k events across 200 keys, then none is lost and every key keeps its order', async () => {
    const topic = `outbox-two-relays-${randomUUID()}`;
    await createTopic(infra.kafkaBrokers, topic, 6);
    const writer = await startOutboxApp(database.url, infra.kafkaBrokers, { OUTBOX_RELAY_ENABLED: 'false' });
    apps.push(writer);
    const keys = 200;
    const perKey = 50;
    for (let seq = 0; seq < perKey; seq++) {
      await writer.transactions.run(async () => {
        for (let key = 0; key < keys; key++) {
          await writer.widgets.enqueue(topic, `key-${key}`, seq);
        }
      });
    }

    const reader = await new TopicReader(infra.kafkaBrokers, topic).start();
    try {
      const relays = [
        await startOutboxApp(database.url, infra.kafkaBrokers, { OUTBOX_BATCH_SIZE: '100' }),
        await startOutboxApp(database.url, infra.kafkaBrokers, { OUTBOX_BATCH_SIZE: '100' }),
      ];
      apps.push(...relays);
      await reader.waitUntil('10,000 events', (messages) => messages.length >= keys * perKey, 120_000);

      const sequences = sequencesByKey(reader.messages);
      expect(sequences.size).toBe(keys);
      const expected = Array.from({ length: perKey }, (_, seq) => seq);
      for (const [key, seqs] of sequences) {
        expect({ key, seqs }).toEqual({ key, seqs: expected });
      }
      const published = await relays[0].dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND status = 'PUBLISHED'`,
        [topic],
      );
      expect(published[0].n).toBe(keys * perKey);
      const [first, second] = await Promise.all(
        relays.map((relay) => {
          const metric = relay.app.get<Registry>(METRICS_REGISTRY).getSingleMetric('outbox_published_total');
          return (metric as Counter).get();
        }),
      );
      const total = (metric: typeof first) => metric.values.reduce((sum, v) => sum + v.value, 0);
      expect(total(first) + total(second)).toBe(keys * perKey);
      expect(total(first)).toBeGreaterThan(0);
      expect(total(second)).toBeGreaterThan(0);
    } finally {
      await reader.stop();
      await Promise.all(apps.splice(0).map((app) => app.app.close()));
      await deleteTopic(infra.kafkaBrokers, topic);
    }
  });
});
