import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { Metric, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/consistency';
import { laneOf, OutboxStore } from '@app/consistency/tools';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { runCommand, waitFor } from '../../scripts/infra/run-command';
import { OutboxTestApp } from '../../scripts/harness/outbox-app';
import { OutboxSuite } from '../support/outbox-suite';
import { ReadMessage, TopicReader } from '../../scripts/kafka/topic-reader';

/** Small enough that the large events below are refused by the topic, large enough for the small ones. */
const TOPIC_MAX_MESSAGE_BYTES = 20_000;
const LARGE = 50_000;
const MAX_ATTEMPTS = 3;

/** The first key named `<prefix>-<n>` that does (or does not) share a lane with `key`. */
function keyInLane(prefix: string, key: string, sameLane: boolean): string {
  for (let n = 0; ; n++) {
    const candidate = `${prefix}-${n}`;
    if ((laneOf(candidate) === laneOf(key)) === sameLane) {
      return candidate;
    }
  }
}

/**
 * A topic whose max.message.bytes refuses some events: they are parked after OUTBOX_MAX_ATTEMPTS
 * refusals while everything else flows, and published in order once the topic takes them and an
 * operator retries them.
 */
describe('outbox relay: rows the broker keeps refusing are parked', () => {
  const suite = new OutboxSuite(
    'parking',
    { OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS) },
    { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) },
  );
  const { infra, topic } = suite;
  const kafka = new Kafka({ clientId: 'outbox-parking-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const parkedKey = 'parked-key';
  const laneMate = keyInLane('lane-mate', parkedKey, true);
  const otherLane = keyInLane('other-lane', parkedKey, false);
  const cliKey = 'cli-key';
  let databaseUrl: string;
  let outbox: OutboxTestApp;
  let store: OutboxStore;
  let reader: TopicReader;

  beforeAll(async () => {
    ({ outbox, reader, databaseUrl } = await suite.start());
    store = new OutboxStore(outbox.dataSource);
  });

  afterAll(() => suite.stop());

  /** Sequence numbers of `key` in the order first delivered: a split request may deliver a row twice. */
  function delivered(key: string, messages: ReadMessage[] = reader.messages): number[] {
    const seqs = messages
      .filter((message) => message.key === key)
      .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)))
      .map((message) => (JSON.parse(message.value) as { seq: number }).seq);
    return seqs.filter((seq, index) => seqs.indexOf(seq) === index);
  }

  /** Writes the events in ONE transaction, so the relay finds them in one claim. */
  async function enqueueTogether(events: Array<{ key: string; seq: number; bytes?: number }>): Promise<string[]> {
    const ids = events.map(() => randomUUID());
    await outbox.transactions.run(async () => {
      for (const [index, { key, seq, bytes = 0 }] of events.entries()) {
        await outbox.widgets.enqueue(topic, key, seq, ids[index], bytes);
      }
    });
    return ids;
  }

  async function rowsOf(key: string) {
    return outbox.dataSource.query<
      Array<{ id: string; status: string; attempts: number; rejections: number; last_error: string | null }>
    >('SELECT id, status, attempts, rejections, last_error FROM outbox WHERE message_key = $1 ORDER BY id', [key]);
  }

  async function metricValue(name: string): Promise<number> {
    const metric = outbox.app.get<Registry>(METRICS_REGISTRY).getSingleMetric(name) as Metric;
    const { values } = await metric.get();
    return values.reduce((sum, { value }) => sum + value, 0);
  }

  const outboxCli = (...args: string[]) =>
    runCommand('npm', ['run', '--silent', 'outbox', '--', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ORDER_DATABASE_URL: databaseUrl },
    });

  let parkedEventId: string;

  it('when the broker keeps refusing a row, then it is parked with its reason, its key waits, other keys and lanes flow', async () => {
    [, parkedEventId] = await enqueueTogether([
      { key: parkedKey, seq: 0 },
      { key: parkedKey, seq: 1, bytes: LARGE },
      { key: parkedKey, seq: 2 },
      { key: laneMate, seq: 0 },
      { key: otherLane, seq: 0 },
      { key: cliKey, seq: 0, bytes: LARGE },
      { key: cliKey, seq: 1 },
    ]);
    await waitFor(
      'both large rows to be parked',
      async () => ((await store.listParked()).length === 2 ? true : undefined),
      { timeoutMs: 30_000 },
    );

    const [first, large, waiting] = await rowsOf(parkedKey);
    expect(first.status).toBe('PUBLISHED');
    expect(large).toMatchObject({ status: 'PARKED', rejections: MAX_ATTEMPTS, attempts: MAX_ATTEMPTS });
    expect(large.last_error).toMatch(/MESSAGE_TOO_LARGE|larger than the max message size/);
    expect(waiting).toMatchObject({ status: 'PENDING', attempts: 0, rejections: 0 });
    await reader.waitUntil('the first event of every key but the CLI one', (messages) =>
      [parkedKey, laneMate, otherLane].every((key) => delivered(key, messages).length > 0),
    );
    expect(delivered(parkedKey)).toEqual([0]);
    expect(delivered(cliKey)).toEqual([]);

    // After parking, the lane moves on: the lane mate and the other lane publish their next events,
    // written in the same transaction as one more event of the parked key, which waits.
    await enqueueTogether([
      { key: laneMate, seq: 1 },
      { key: parkedKey, seq: 3 },
      { key: otherLane, seq: 1 },
    ]);
    await reader.waitUntil(
      'the next events of the other keys',
      (messages) => delivered(laneMate, messages).length === 2 && delivered(otherLane, messages).length === 2,
    );
    await waitFor(
      'the round that published them to commit',
      async () => ((await rowsOf(laneMate)).every((row) => row.status === 'PUBLISHED') ? true : undefined),
      { timeoutMs: 10_000 },
    );
    expect(delivered(laneMate)).toEqual([0, 1]);
    expect(delivered(otherLane)).toEqual([0, 1]);
    expect(delivered(parkedKey)).toEqual([0]);
    expect((await rowsOf(parkedKey)).map((row) => row.status)).toEqual(['PUBLISHED', 'PARKED', 'PENDING', 'PENDING']);

    expect(await metricValue('outbox_parked_events')).toBe(2);
    expect(await metricValue('outbox_parked_total')).toBe(2);
    expect(await metricValue('outbox_rejections_total')).toBe(2 * MAX_ATTEMPTS);
    expect(await metricValue('outbox_split_requests_total')).toBeGreaterThan(0);
    // Refusals never back the relay off: no round counted as failed.
    expect(await metricValue('outbox_publish_failures_total')).toBe(0);
  });

  it('when the topic takes the row again and it is retried, then it and the events that waited behind it publish in order', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [{ name: 'max.message.bytes', value: '1048588' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    // The broker applies a topic config a moment after the controller accepts it.
    const producer = kafka.producer();
    await producer.connect();
    await waitFor(
      'the topic to take a large message',
      () =>
        producer
          .send({
            topic,
            acks: -1,
            messages: [{ key: 'config-probe', value: JSON.stringify({ seq: 0, pad: 'x'.repeat(LARGE) }) }],
          })
          .then(() => true),
      { timeoutMs: 30_000 },
    );
    await producer.disconnect();

    const retried = await store.retryParked({ ids: [], eventIds: [parkedEventId] });
    expect(retried).toEqual([expect.objectContaining({ eventId: parkedEventId })]);
    await reader.waitUntil('the parked key to catch up', (messages) => delivered(parkedKey, messages).length === 4);
    expect(delivered(parkedKey)).toEqual([0, 1, 2, 3]);
    expect(delivered(cliKey)).toEqual([]);
  });

  it('when an operator lists and retries through npm run outbox, then the row shows with its reason and then publishes', async () => {
    const [parked] = await store.listParked();
    expect(parked).toMatchObject({ key: cliKey, rejections: MAX_ATTEMPTS, topic });

    const listed = await outboxCli('list', 'order');
    expect(listed.code).toBe(0);
    expect(listed.output).toContain('order: 1 parked');
    expect(listed.output).toContain(
      `id=${parked.id}  event=${parked.eventId}  type=widget.created  topic=${topic}  key=${cliKey}  ` +
        `attempts=${MAX_ATTEMPTS}  refused=${MAX_ATTEMPTS}  size=${parked.bytes}`,
    );
    expect(parked.bytes).toBeGreaterThan(LARGE);
    expect(listed.output).toMatch(/error: .*(MESSAGE_TOO_LARGE|larger than the max message size)/);

    const unknownId = await outboxCli('retry', 'order', '--id', '999999');
    expect(unknownId.code).toBe(1);
    expect(unknownId.output).toContain('not parked in order: 999999');

    const retried = await outboxCli('retry', 'order', '--id', parked.id);
    expect(retried.output).toContain(`retried id=${parked.id} event=${parked.eventId}`);
    expect(retried.code).toBe(0);
    await reader.waitUntil('the CLI key to publish', (messages) => delivered(cliKey, messages).length === 2);
    expect(delivered(cliKey)).toEqual([0, 1]);
    await waitFor(
      'every row to be marked published',
      async () => {
        const [row] = await outbox.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM outbox WHERE status <> 'PUBLISHED'`,
        );
        return row.n === 0 ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(await metricValue('outbox_parked_events')).toBe(0);
  });
});
