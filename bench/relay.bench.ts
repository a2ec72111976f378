import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CompressionTypes, Kafka, logLevel, Partitioners, TopicMessages } from 'kafkajs';
import { Counter, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/consistency';
import { OUTBOX_BACKLOG_SQL, outboxBacklog, OutboxBacklogRow } from '@app/consistency/tools';
import { infraUp } from '../scripts/infra/infra';
import { waitFor } from '../scripts/infra/run-command';
import { OutboxTestApp, startOutboxApp } from '../scripts/harness/outbox-app';
import { createTestDatabase } from '../scripts/harness/test-database';
import { createTopic, deleteTopic } from '../scripts/infra/topics';
import { writeResult, runBenchmark } from './results';
import { median, percentile, printTable } from './stats';
import { CpuSplit, cpuPerUnit, cpuSplit } from './process-cpu';

/**
 * Relay vs raw kafkajs: drain N pending ~200-byte events through the relay, and send the same
 * messages with sendBatch (same acks, same batch size, idempotent producer) in the same run.
 * Then commit→published latency at a steady rate. Figures are medians over repetitions.
 */
const { values: options } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    reps: { type: 'string', default: '3' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
  },
});
const EVENTS = Number(options.events);
const REPETITIONS = Number(options.reps);
const BATCH_SIZE = Number(options.batch);
const CONCURRENCY = options.concurrency;
const KEYS = 200;
const STEADY_RATE = Number(options.rate);
const STEADY_SECONDS = Number(options.seconds);

/** Events per second of one drain or send, and the CPU µs each event cost every process. */
interface PathRun {
  rate: number;
  cpu: CpuSplit;
}

interface BenchMessage {
  key: string;
  value: string;
  eventId: string;
}

function messages(count: number): BenchMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const eventId = randomUUID();
    const key = `order-${i % KEYS}`;
    // ~200 bytes of JSON, like a small saga event.
    const value = JSON.stringify({ id: eventId, type: 'bench.event', seq: i, orderId: key, pad: 'x'.repeat(110) });
    return { key, value, eventId };
  });
}

async function fillOutbox(app: OutboxTestApp, topic: string, batch: BenchMessage[]): Promise<void> {
  for (let start = 0; start < batch.length; start += 1000) {
    await app.transactions.run(async () => {
      for (const message of batch.slice(start, start + 1000)) {
        await app.widgets.outboxService.enqueueMessage({
          eventId: message.eventId,
          eventType: 'bench.event',
          topic,
          key: message.key,
          value: message.value,
          headers: { 'event-id': message.eventId },
        });
      }
    });
  }
}

async function pendingCount(app: OutboxTestApp): Promise<number> {
  const [row] = await app.dataSource.query<OutboxBacklogRow[]>(OUTBOX_BACKLOG_SQL);
  return outboxBacklog(row).pending;
}

async function relayDrain(
  databaseUrl: string,
  brokers: string[],
  topic: string,
  batch: BenchMessage[],
  { retentionHours }: { retentionHours: number },
): Promise<PathRun> {
  const writer = await startOutboxApp(databaseUrl, brokers, { OUTBOX_RELAY_ENABLED: 'false' });
  await writer.dataSource.query('TRUNCATE outbox');
  await fillOutbox(writer, topic, batch);
  await writer.dataSource.query('VACUUM ANALYZE outbox');
  const relay = await startOutboxApp(databaseUrl, brokers, {
    OUTBOX_BATCH_SIZE: String(BATCH_SIZE),
    OUTBOX_RELAY_ENABLED: 'false',
    OUTBOX_RETENTION_HOURS: String(retentionHours),
    ...(CONCURRENCY ? { OUTBOX_RELAY_CONCURRENCY: CONCURRENCY } : {}),
  });
  // Progress comes from the relay's own counter: polling the table would load the database it measures.
  const published = relay.app.get<Registry>(METRICS_REGISTRY).getSingleMetric('outbox_published_total') as Counter;
  const count = async () => (await published.get()).values.reduce((sum, value) => sum + value.value, 0);
  const cpuBefore = cpuSplit();
  const started = performance.now();
  relay.relay.start();
  await waitFor('the relay to drain', async () => ((await count()) >= batch.length ? true : undefined), {
    timeoutMs: 600_000,
    intervalMs: 5,
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPerUnit(cpuBefore, cpuSplit(), batch.length);
  await relay.app.close();
  await writer.app.close();
  return { rate: batch.length / seconds, cpu };
}

async function rawSend(brokers: string[], topic: string, batch: BenchMessage[]): Promise<PathRun> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const cpuBefore = cpuSplit();
  const started = performance.now();
  for (let start = 0; start < batch.length; start += BATCH_SIZE) {
    const topicMessages: TopicMessages[] = [
      {
        topic,
        messages: batch.slice(start, start + BATCH_SIZE).map((message) => ({
          key: message.key,
          value: message.value,
          headers: { 'event-id': message.eventId },
        })),
      },
    ];
    await producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPerUnit(cpuBefore, cpuSplit(), batch.length);
  await producer.disconnect();
  return { rate: batch.length / seconds, cpu };
}

/** Open loop: one event per transaction at a fixed rate; latency = broker ack marked - commit. */
async function steadyLatency(databaseUrl: string, brokers: string[], topic: string) {
  const app = await startOutboxApp(databaseUrl, brokers, { OUTBOX_BATCH_SIZE: String(BATCH_SIZE) });
  await app.dataSource.query('TRUNCATE outbox');
  const committedAt = new Map<string, number>();
  const total = STEADY_RATE * STEADY_SECONDS;
  const interval = 1000 / STEADY_RATE;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const eventId = randomUUID();
    inFlight.push(
      app.transactions
        .run(() =>
          app.widgets.outboxService.enqueueMessage({
            eventId,
            eventType: 'bench.event',
            topic,
            key: `order-${i % KEYS}`,
            value: JSON.stringify({ id: eventId, seq: i, pad: 'x'.repeat(150) }),
            headers: { 'event-id': eventId },
          }),
        )
        .then(() => {
          committedAt.set(eventId, performance.timeOrigin + performance.now());
        }),
    );
  }
  await Promise.all(inFlight);
  const achievedRate = total / ((performance.now() - started) / 1000);
  await waitFor('steady events to drain', async () => ((await pendingCount(app)) === 0 ? true : undefined), {
    timeoutMs: 120_000,
  });
  const rows = await app.dataSource.query<Array<{ event_id: string; published_ms: number }>>(
    `SELECT event_id, extract(epoch FROM published_at)::float8 * 1000 AS published_ms FROM outbox`,
  );
  await app.app.close();
  const latencies = rows.map((row) => row.published_ms - (committedAt.get(row.event_id) ?? Number.NaN));
  return {
    achievedRate,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
  };
}

async function main(): Promise<void> {
  const infra = await infraUp(() => undefined);
  const database = await createTestDatabase(infra.adminUrl, 'bench_relay');
  const brokers = infra.kafkaBrokers;
  const relayTopic = `bench-relay-${randomUUID()}`;
  const rawTopic = `bench-raw-${randomUUID()}`;
  await createTopic(brokers, relayTopic);
  await createTopic(brokers, rawTopic);
  try {
    const runs: Record<'raw' | 'relay' | 'deleting', PathRun[]> = { raw: [], relay: [], deleting: [] };
    for (let rep = 1; rep <= REPETITIONS; rep++) {
      const batch = messages(EVENTS);
      runs.raw.push(await rawSend(brokers, rawTopic, batch));
      runs.relay.push(await relayDrain(database.url, brokers, relayTopic, batch, { retentionHours: 24 }));
      runs.deleting.push(await relayDrain(database.url, brokers, relayTopic, batch, { retentionHours: 0 }));
      const rate = (path: PathRun[]) => Math.round(path.at(-1)?.rate ?? 0);
      process.stdout.write(
        `rep ${rep}/${REPETITIONS}: raw ${rate(runs.raw)} ev/s, relay ${rate(runs.relay)} ev/s, ` +
          `relay deleting ${rate(runs.deleting)} ev/s\n`,
      );
    }
    const latency = await steadyLatency(database.url, brokers, relayTopic);
    const rates = (path: PathRun[]) => path.map((run) => run.rate);
    // Each repetition's drain against the raw send just before it: the machine's speed drifts between repetitions.
    const ratio = (path: PathRun[]) => median(path.map((run, rep) => run.rate / runs.raw[rep].rate));
    const cpu = (path: PathRun[]): CpuSplit => ({
      node: median(path.map((run) => run.cpu.node)),
      postgres: median(path.map((run) => run.cpu.postgres)),
      kafka: median(path.map((run) => run.cpu.kafka)),
    });
    const result = {
      benchmark: 'relay',
      at: new Date().toISOString(),
      events: EVENTS,
      repetitions: REPETITIONS,
      batchSize: BATCH_SIZE,
      rawEventsPerSecond: median(rates(runs.raw)),
      relayEventsPerSecond: median(rates(runs.relay)),
      ratio: ratio(runs.relay),
      deletingEventsPerSecond: median(rates(runs.deleting)),
      deletingRatio: ratio(runs.deleting),
      cpuMicrosecondsPerEvent: { raw: cpu(runs.raw), relay: cpu(runs.relay), deleting: cpu(runs.deleting) },
      runs,
      steady: { targetRate: STEADY_RATE, seconds: STEADY_SECONDS, ...latency },
    };
    const row = (path: string, rate: number, pathRatio: number, split: CpuSplit) => [
      path,
      rate,
      pathRatio,
      split.node,
      split.postgres,
      split.kafka,
      split.node + split.postgres + split.kafka,
    ];
    printTable(
      `Relay drain of ${EVENTS.toLocaleString('en-US')} events (median of ${REPETITIONS}; CPU µs per event)`,
      ['path', 'events/s', 'ratio', 'node', 'postgres', 'kafka', 'all'],
      [
        row('raw kafkajs sendBatch', result.rawEventsPerSecond, 1, result.cpuMicrosecondsPerEvent.raw),
        row(
          'outbox relay, rows kept (OUTBOX_RETENTION_HOURS=24)',
          result.relayEventsPerSecond,
          result.ratio,
          result.cpuMicrosecondsPerEvent.relay,
        ),
        row(
          'outbox relay, rows deleted (OUTBOX_RETENTION_HOURS=0)',
          result.deletingEventsPerSecond,
          result.deletingRatio,
          result.cpuMicrosecondsPerEvent.deleting,
        ),
      ],
    );
    printTable(
      `Commit -> published latency at ${STEADY_RATE} events/s for ${STEADY_SECONDS} s`,
      ['achieved/s', 'p50 ms', 'p99 ms', 'max ms'],
      [[latency.achievedRate, latency.p50, latency.p99, latency.max]],
    );
    writeResult('relay', result.at, result);
  } finally {
    await deleteTopic(brokers, relayTopic);
    await deleteTopic(brokers, rawTopic);
    await database.drop();
  }
}

runBenchmark(main);
