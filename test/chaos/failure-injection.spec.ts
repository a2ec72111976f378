import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { FaultPoint, stringHeaders } from '@app/consistency/tools';
import { SERVICE_NAMES, ServiceName } from '../../scripts/services';
import { Topics } from '@app/contracts';
import { putStock } from '../../scripts/http/saga-requests';
import { ChaosReport } from '../../scripts/chaos/chaos';
import { CHAOS_FAULTS } from '../../scripts/chaos/faults';
import { serviceLag } from '../../scripts/stack/backlog';
import { Cluster, Instance } from '../../scripts/chaos/cluster';
import { newClientStats, OrderRequest, placeOrder } from '../../scripts/chaos/order-clients';
import { infraLayout } from '../../scripts/infra/layout';
import { startEmbeddedKafka, stopEmbeddedKafka } from '../../scripts/infra/kafka';
import { infraSettings } from '../../scripts/infra/settings';
import { runCommand, waitFor } from '../../scripts/infra/run-command';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { checkInvariants, Violation, violationsOnceSettled } from '@app/ops';
import { spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

/** Once faults stop, every saga must be terminal and every invariant hold within this bound. */
const QUIESCE_BOUND_MS = 90_000;

const databaseUrls = (infra: ReturnType<typeof testInfra>) =>
  Object.fromEntries(SERVICE_NAMES.map((s) => [s, infra.databaseUrl(s)])) as Record<ServiceName, string>;

/** Polls the invariant checker until it finds nothing or the bound runs out; returns what it last found. */
function violationsAfterQuiesce(urls: Record<ServiceName, string>, since: Date): Promise<Violation[]> {
  return violationsOnceSettled(() => checkInvariants(urls, { since }), Date.now() + QUIESCE_BOUND_MS);
}

describe('failure injection: real processes, real faults, invariants checked', () => {
  const infra = testInfra();
  const urls = databaseUrls(infra);
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  describe('one instance of each service, SIGKILLed at each named crash point', () => {
    let cluster: Cluster;
    let inventoryDb: Client;
    let orderDb: Client;
    const since = new Date();

    beforeAll(async () => {
      cluster = await Cluster.start({
        instancesPerService: 1,
        env: {
          // Generous deadlines: these tests are about recovering from the crash, not the scanner.
          order: { SAGA_STEP_TIMEOUT_MS: '45000', SAGA_SCAN_INTERVAL_MS: '500' },
          // A SIGKILLed booking leaves its lock and claim to lapse before the worker books it again.
          shipping: { SHIPMENT_LOCK_TTL_MS: '3000', CARRIER_TIMEOUT_MS: '500' },
        },
        log,
      });
      inventoryDb = new Client({ connectionString: infra.databaseUrl('inventory') });
      orderDb = new Client({ connectionString: infra.databaseUrl('order') });
      await Promise.all([inventoryDb.connect(), orderDb.connect()]);
    });

    afterAll(async () => {
      await Promise.all([inventoryDb?.end(), orderDb?.end()]);
      await cluster?.stop();
    });

    async function seed(available: number): Promise<string> {
      const sku = `FI-${randomUUID().slice(0, 8)}`;
      const response = await putStock(cluster.of('inventory')[0].url, sku, available);
      expect(response.status).toBe(200);
      return sku;
    }

    const order = (sku: string, country = 'DE', quantity = 1): OrderRequest => ({
      customerId: 'fault-points',
      items: [{ sku, quantity }],
      shippingAddress: { country },
    });

    async function restarted(instance: Instance, before: number): Promise<void> {
      await waitFor(
        `${instance.name} to crash and come back`,
        () => Promise.resolve(instance.restarts > before && instance.ready ? true : undefined),
        { timeoutMs: 60_000 },
      );
    }

    it.each<[FaultPoint, ServiceName]>([
      ['outbox.after-commit-before-publish', 'order'],
      ['outbox.after-publish-before-mark', 'inventory'],
      ['consumer.after-commit-before-offset-commit', 'shipping'],
      ['idempotency.after-key-locked', 'order'],
      ['saga.before-compensation-publish', 'order'],
      ['shipping.carrier-timeout', 'shipping'],
    ])('when %s kills %s, then after the restart its orders still finish exactly once', async (point, service) => {
      const [instance] = cluster.of(service);
      const before = instance.restarts;
      const sku = await seed(10);
      await cluster.arm(instance, point, { kind: 'crash', times: 1 });
      const stats = newClientStats();
      // The unserved destination drives the saga through compensation, where some points are.
      const accepted = await Promise.all(
        [order(sku), order(sku, 'AQ'), order(sku)].map((request) =>
          placeOrder(cluster, request, stats, { deadline: Date.now() + 60_000 }),
        ),
      );
      await restarted(instance, before);
      expect(accepted.every((id) => id !== undefined)).toBe(true);
      expect(stats.rejected).toEqual([]);
      expect(await violationsAfterQuiesce(urls, since)).toEqual([]);
      const { rows } = await orderDb.query<{ outcome: string }>(
        `SELECT status || coalesce(': ' || failure_reason, '') AS outcome FROM orders WHERE id = ANY($1) ORDER BY 1`,
        [accepted],
      );
      expect(rows.map((row) => row.outcome)).toEqual([
        'CANCELLED: destination AQ is not served',
        'COMPLETED',
        'COMPLETED',
      ]);
    });

    it('when 50 clients order a hot SKU with 20 units at once, then exactly 20 complete and nothing is oversold', async () => {
      const sku = await seed(20);
      const stats = newClientStats();
      const accepted = await Promise.all(
        Array.from({ length: 50 }, () => placeOrder(cluster, order(sku), stats, { deadline: Date.now() + 60_000 })),
      );
      expect(accepted.filter((id) => id !== undefined)).toHaveLength(50);
      expect(await violationsAfterQuiesce(urls, since)).toEqual([]);
      const { rows } = await orderDb.query<{ status: string; count: number }>(
        'SELECT status, count(*)::int AS count FROM orders WHERE id = ANY($1) GROUP BY status ORDER BY status',
        [accepted],
      );
      expect(rows).toEqual([
        { status: 'CANCELLED', count: 30 },
        { status: 'COMPLETED', count: 20 },
      ]);
      const stock = await inventoryDb.query('SELECT available, reserved FROM stock_items WHERE sku = $1', [sku]);
      expect(stock.rows).toEqual([{ available: 0, reserved: 0 }]);
    });

    it('when multi-SKU orders lock the same two SKUs in opposite orders, then all complete without deadlock', async () => {
      const [first, second] = await Promise.all([seed(100), seed(100)]);
      const stats = newClientStats();
      const accepted = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          placeOrder(
            cluster,
            {
              customerId: 'opposite-locks',
              items:
                index % 2 === 0
                  ? [
                      { sku: first, quantity: 1 },
                      { sku: second, quantity: 1 },
                    ]
                  : [
                      { sku: second, quantity: 1 },
                      { sku: first, quantity: 1 },
                    ],
              shippingAddress: { country: 'DE' },
            },
            stats,
            { deadline: Date.now() + 60_000 },
          ),
        ),
      );
      expect(await violationsAfterQuiesce(urls, since)).toEqual([]);
      const { rows } = await orderDb.query<{ status: string }>(
        'SELECT DISTINCT status FROM orders WHERE id = ANY($1)',
        [accepted],
      );
      expect(rows).toEqual([{ status: 'COMPLETED' }]);
      const stock = await inventoryDb.query('SELECT sku, available FROM stock_items WHERE sku = ANY($1) ORDER BY sku', [
        [first, second].sort(),
      ]);
      expect(stock.rows.map((row: { available: number }) => row.available)).toEqual([70, 70]);
    });

    it('when another client reuses an Idempotency-Key and events come back with forged headers, then nothing changes', async () => {
      const sku = await seed(10);
      const key = randomUUID();
      const stats = newClientStats();
      const mine = await placeOrder(cluster, { ...order(sku), customerId: 'client-a' }, stats, {
        deadline: Date.now() + 30_000,
        key,
      });
      const theirs = await placeOrder(cluster, { ...order(sku), customerId: 'client-b' }, stats, {
        deadline: Date.now() + 30_000,
        key,
      });
      expect(mine).toBeDefined();
      expect(theirs).toBeDefined();
      expect(theirs).not.toBe(mine);
      expect(await violationsAfterQuiesce(urls, since)).toEqual([]);

      const sagaOf = async (orderId: string) =>
        (
          await orderDb.query<{ step: string; status: string }>(
            'SELECT step, status FROM saga_steps WHERE order_id = $1 ORDER BY id',
            [orderId],
          )
        ).rows;
      const before = { mine: await sagaOf(mine!), theirs: await sagaOf(theirs!) };
      const reserved = await readEvent(infra.kafkaBrokers, Topics.inventory, mine!);
      await produceOnce(infra.kafkaBrokers, Topics.inventory, {
        ...reserved,
        headers: {
          ...reserved.headers,
          'correlation-id': theirs!,
          kafka_replyTopic: Topics.order,
          kafka_correlationId: randomUUID(),
        },
      });
      // The forged copy is a duplicate of an event already handled: the inbox swallows it.
      await waitFor(
        'the order service to consume the forged copy',
        async () => ((await serviceLag(infra.kafkaBrokers, 'order')) === 0 ? true : undefined),
        { timeoutMs: 30_000 },
      );
      expect({ mine: await sagaOf(mine!), theirs: await sagaOf(theirs!) }).toEqual(before);
      expect(await violationsAfterQuiesce(urls, since)).toEqual([]);
    });
  });

  it('when services are SIGKILLed, crash points fire, the broker and PostgreSQL restart, connections are terminated, events are duplicated, offsets rewound and poison sent while 200 orders flow, then no invariant breaks', async () => {
    const reportFile = resolve(infraLayout(infraSettings().localDir).local, 'chaos', `ci-${randomUUID()}.json`);
    // The command users run, so its parsing and report are covered too.
    const run = await runCommand(
      process.execPath,
      [
        ...['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
        'scripts/chaos-cli.ts',
        ...['--orders', '200', '--minutes', String(200 / 10 / 60), '--instances', '2'],
        ...['--fault-every-ms', '2000', '--round-robin', '--seed', '20261125', '--report', reportFile],
      ],
      // Without the addresses testInfra() loaded: given KAFKA_BROKERS, the run would take the broker
      // for someone else's and leave it alone; the services read .local/infra.env instead.
      { cwd: REPO_ROOT, env: { ...process.env, KAFKA_BROKERS: undefined, DATABASE_URL: undefined } },
    );
    writeFileSync(reportFile.replace(/\.json$/, '.log'), run.output);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ChaosReport;
    expect({ exit: run.code, violations: report.violations }).toEqual({ exit: 0, violations: [] });
    expect(report.orders.accepted).toBe(200);
    expect(report.orders.completed + report.orders.cancelled).toBe(200);
    expect(Object.keys(report.faults).sort()).toEqual([...CHAOS_FAULTS].sort());
    expect(report.quiesceSeconds).toBeLessThan(report.quiesceBoundSeconds);
    expect(run.output).toContain('Chaos report');
  }, 360_000);

  it('when the broker is gone, then /health fails instead of a zombie consumer looking healthy, and recovers with it', async () => {
    const settings = infraSettings();
    const layout = infraLayout(settings.localDir);
    const service = await spawnService('notification');
    try {
      await waitUntilHealthy(service);
      await stopEmbeddedKafka(layout);
      try {
        await waitFor(
          'notification /health to fail',
          async () => ((await fetch(`${service.url}/health`)).status === 503 ? true : undefined),
          { timeoutMs: 30_000 },
        );
      } finally {
        await startEmbeddedKafka(
          layout,
          { client: settings.kafkaPort, controller: settings.kafkaControllerPort },
          settings.kafkaHeap,
        );
      }
      await waitUntilHealthy(service, 90_000);
      expect(service.child.exitCode).toBeNull();
    } finally {
      await service.stop();
    }
  });
});

interface RawEvent {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** The first event keyed `key` on `topic`, read with a throwaway group. */
async function readEvent(brokers: string[], topic: string, key: string): Promise<RawEvent> {
  const kafka = new Kafka({ clientId: 'forger', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `forger-${randomUUID()}`, maxWaitTimeInMs: 100 });
  let found: RawEvent | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        if (!found && message.key?.toString() === key) {
          found = {
            key,
            value: message.value?.toString() ?? '',
            headers: stringHeaders(message.headers),
          };
        }
        return Promise.resolve();
      },
    });
    return await waitFor(`an event keyed ${key} on ${topic}`, () => Promise.resolve(found), { timeoutMs: 30_000 });
  } finally {
    await consumer.disconnect();
  }
}

async function produceOnce(brokers: string[], topic: string, event: RawEvent): Promise<void> {
  const producer = new Kafka({ clientId: 'forger', brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [event] });
  } finally {
    await producer.disconnect();
  }
}
