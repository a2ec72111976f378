import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { waitFor } from '../../scripts/infra/run-command';
import { ConsumerTestApp, startConsumerApp, testEvent } from '../support/consumer-app';
import { testInfra } from '../support/infra-env';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { createTopic, deleteTopic } from '../../scripts/infra/topics';

/**
 * Offsets reach Kafka in batches, after the transactions of their messages committed: on an
 * interval while the consumer runs, and on the way out when it stops.
 */
describe('committing consumer offsets', () => {
  const infra = testInfra();
  const kafka = new Kafka({ clientId: 'offset-commit-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const topics: string[] = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let producer: Producer;
  let admin: Admin;
  let consumer: ConsumerTestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'offset_commit');
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    await consumer?.app.close();
    consumer = undefined;
  });

  afterAll(async () => {
    await admin?.disconnect();
    await producer?.disconnect();
    await database?.drop();
    for (const topic of topics) {
      await deleteTopic(infra.kafkaBrokers, topic);
    }
  });

  /** A topic and consumer group of the test's own, and its consumer started with `env`. */
  async function start(env: Record<string, string>) {
    const topic = `offset-commit-${randomUUID()}`;
    const groupId = `offset-commit-${randomUUID()}`;
    topics.push(topic);
    await createTopic(infra.kafkaBrokers, topic, 3);
    consumer = await startConsumerApp(database.url, infra.kafkaBrokers, topic, groupId, env);
    return { topic, groupId, app: consumer };
  }

  const keys = Array.from({ length: 6 }, () => randomUUID());

  /** Sends `count` events over several keys and waits until the consumer's effects show them all. */
  async function consume(app: ConsumerTestApp, topic: string, count: number): Promise<void> {
    const before = (await app.effects()).length;
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, (_, seq) => {
        const event = testEvent('widget.counted', { key: `key-${seq % 6}`, seq }, 1, keys[seq % keys.length]);
        return { key: event.orderId, value: JSON.stringify(event), headers: { 'event-id': event.id } };
      }),
    });
    await waitFor(`${count} effects`, async () => ((await app.effects()).length >= before + count ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
  }

  /** Partitions whose committed offset is behind the end of the partition. */
  async function uncommitted(topic: string, groupId: string): Promise<string[]> {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return ends
      .filter(({ partition, high }) => {
        const offset = committed.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
        return high !== '0' && offset !== high;
      })
      .map(({ partition, high }) => `partition ${partition} at ${high}`);
  }

  it('when the commit interval passes, then handled offsets are committed while the consumer runs', async () => {
    const { topic, groupId, app } = await start({ CONSUMER_OFFSET_COMMIT_INTERVAL_MS: '200' });
    await consume(app, topic, 12);
    const committed = async () => ((await uncommitted(topic, groupId)).length === 0 ? true : undefined);
    await waitFor('every partition committed', committed, { timeoutMs: 10_000, intervalMs: 100 });
    expect(await uncommitted(topic, groupId)).toEqual([]);
  });

  it('when the consumer stops before the commit interval, then it commits what it handled on the way out', async () => {
    const { topic, groupId, app } = await start({ CONSUMER_OFFSET_COMMIT_INTERVAL_MS: '600000' });
    await consume(app, topic, 12);
    expect((await uncommitted(topic, groupId)).length).toBeGreaterThan(0);

    await app.app.close();
    consumer = undefined;
    expect(await uncommitted(topic, groupId)).toEqual([]);
  });
});
