import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Message, Producer } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { DeadLetterHeaders } from '@app/consistency/tools';
import { waitFor } from '../../scripts/infra/run-command';
import { ConsumerTestApp, startConsumerApp, testEvent, TestEvent, transientFailures } from '../support/consumer-app';
import { testInfra } from '../support/infra-env';
import { createTestDatabase } from '../../scripts/harness/test-database';
import { TopicReader } from '../../scripts/kafka/topic-reader';
import { createTopic, deleteTopic } from '../../scripts/infra/topics';

describe('consuming with ConsistentKafkaServer', () => {
  const infra = testInfra();
  const kafka = new Kafka({ clientId: 'consumer-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const topic = `consumer-test-${randomUUID()}`;
  const groupId = `consumer-test-${randomUUID()}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let producer: Producer;
  let consumer: ConsumerTestApp;
  let deadLetters: TopicReader;

  beforeAll(async () => {
    database = await createTestDatabase(infra.adminUrl, 'consumer');
    await createTopic(infra.kafkaBrokers, topic, 3);
    await createTopic(infra.kafkaBrokers, deadLetterTopic(topic), 1);
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    consumer = await startConsumerApp(database.url, infra.kafkaBrokers, topic, groupId);
    deadLetters = await new TopicReader(infra.kafkaBrokers, deadLetterTopic(topic)).start();
  });

  afterAll(async () => {
    await deadLetters?.stop();
    await consumer?.app.close();
    await producer?.disconnect();
    await database?.drop();
    await deleteTopic(infra.kafkaBrokers, topic);
    await deleteTopic(infra.kafkaBrokers, deadLetterTopic(topic));
  });

  /** One order id per test key: it is the Kafka key, so a key's events stay on one partition, in order. */
  const orderIds = new Map<string, string>();
  const orderOf = (key: string) => orderIds.get(key) ?? orderIds.set(key, randomUUID()).get(key)!;
  const widget = (type: string, payload: { key: string; seq: number }, version = 1) =>
    testEvent(type, payload, version, orderOf(payload.key));

  function send(key: string, ...messages: Array<TestEvent | string>): Promise<unknown> {
    return producer.send({
      topic,
      acks: -1,
      messages: messages.map((message): Message => ({
        key: orderOf(key),
        value: typeof message === 'string' ? message : JSON.stringify(message),
        headers: typeof message === 'string' ? {} : { 'event-id': message.id },
      })),
    });
  }

  async function effectsOf(key: string) {
    return (await consumer.effects()).filter((effect) => effect.key === key);
  }

  function waitForEffects(key: string, count: number) {
    return waitFor(
      `${count} effects of ${key}`,
      async () => ((await effectsOf(key)).length >= count ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  it('when the same event is delivered 5 times and the topic is replayed from the start, then its effect happens once', async () => {
    const event = widget('widget.counted', { key: 'dup', seq: 1 });
    const marker = widget('widget.counted', { key: 'dup', seq: 2 });
    await send('dup', event, event, event, event, event, marker);
    await waitForEffects('dup', 2);
    expect((await effectsOf('dup')).map((effect) => effect.seq)).toEqual([1, 2]);

    await consumer.app.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId, topic, earliest: true });
    await admin.disconnect();
    consumer = await startConsumerApp(database.url, infra.kafkaBrokers, topic, groupId);
    const replayMarker = widget('widget.counted', { key: 'dup', seq: 3 });
    await send('dup', replayMarker);
    await waitForEffects('dup', 3);
    expect((await effectsOf('dup')).map((effect) => effect.seq)).toEqual([1, 2, 3]);
    expect((await consumer.outcomes()).duplicate).toBeGreaterThanOrEqual(6);
  });

  it('when many events of a partition arrive at once, then they are handled in a few transactions, each effect once, in order', async () => {
    const events = Array.from({ length: 60 }, (_, seq) => widget('widget.counted', { key: 'burst', seq }));
    await send('burst', ...events, events[10], events[20]);
    await waitForEffects('burst', events.length);
    expect((await effectsOf('burst')).map((effect) => effect.seq)).toEqual(events.map((_, seq) => seq));
    // now() is the start of the transaction: rows claimed together share it.
    const [{ transactions }] = await consumer.dataSource.query<Array<{ transactions: number }>>(
      'SELECT count(DISTINCT processed_at)::int AS transactions FROM inbox WHERE event_id = ANY($1)',
      [events.map((event) => event.id)],
    );
    expect(transactions).toBeLessThanOrEqual(10);
  });

  it('when a handler fails transiently 3 times, then it is processed once and later events of its key after it', async () => {
    const flaky = widget('widget.counted', { key: 'flaky', seq: 1 });
    const next = widget('widget.counted', { key: 'flaky', seq: 2 });
    transientFailures.set(flaky.id, 3);
    await send('flaky', flaky, next);
    await waitForEffects('flaky', 2);
    expect((await effectsOf('flaky')).map((effect) => effect.seq)).toEqual([1, 2]);
    expect(transientFailures.get(flaky.id)).toBe(0);
  });

  it('when a v1 event reaches a handler that accepts only v2, then the upcaster bridges it', async () => {
    await send('versioned', widget('widget.versioned', { key: 'versioned', seq: 1 }, 1));
    await waitForEffects('versioned', 1);
    expect(await effectsOf('versioned')).toHaveLength(1);
  });

  it('when poison arrives, then each goes to the dead-letter topic with its reason and the partition moves on', async () => {
    const started = Date.now();
    const invalidOrder = testEvent(
      'order.created',
      { customerId: 'c', items: [], shippingAddress: { country: 'DE' } },
      1,
      orderOf('poison'),
    );
    const futureVersion = widget('widget.versioned', { key: 'poison', seq: 9 }, 3);
    const unknownType = widget('widget.unheard-of', { key: 'poison', seq: 8 });
    const after = widget('widget.counted', { key: 'poison', seq: 1 });
    await send('poison', '{not json', invalidOrder, futureVersion, unknownType, after);

    await waitForEffects('poison', 1);
    await deadLetters.waitUntil('four dead letters', (messages) => messages.length >= 4, 30_000);
    expect(Date.now() - started).toBeLessThan(30_000);
    const reasons = deadLetters.messages.map((message) => message.headers[DeadLetterHeaders.error]);
    expect(reasons).toEqual([
      expect.stringContaining('value is not JSON'),
      expect.stringContaining('invalid order.created payload: payload.items must be an array of 1 to 50 items'),
      expect.stringContaining('widget.versioned version 3 is not accepted'),
      expect.stringContaining('unknown event type "widget.unheard-of"'),
    ]);
    for (const message of deadLetters.messages) {
      expect(message.headers).toMatchObject({
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.reason]: 'poison',
        [DeadLetterHeaders.consumer]: groupId,
      });
      expect(message.headers[DeadLetterHeaders.originalOffset]).toMatch(/^\d+$/);
    }
    expect(deadLetters.messages[0].value).toBe('{not json');
  });

  it('when a handler keeps failing, then after the configured attempts it is dead-lettered and the key moves on', async () => {
    const doomed = widget('widget.counted', { key: 'doomed', seq: 1 });
    const next = widget('widget.counted', { key: 'doomed', seq: 2 });
    transientFailures.set(doomed.id, 100);
    await send('doomed', doomed, next);
    await waitForEffects('doomed', 1);
    expect((await effectsOf('doomed')).map((effect) => effect.seq)).toEqual([2]);
    await deadLetters.waitUntil('the exhausted event', (messages) =>
      messages.some((message) => message.headers['event-id'] === doomed.id),
    );
    const letter = deadLetters.messages.find((message) => message.headers['event-id'] === doomed.id);
    expect(letter?.headers).toMatchObject({
      [DeadLetterHeaders.reason]: 'retries-exhausted',
      [DeadLetterHeaders.attempts]: '5',
    });
    expect(transientFailures.get(doomed.id)).toBe(95);
  });
});
