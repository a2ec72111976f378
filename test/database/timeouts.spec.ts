import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { toOutboxMessage } from '@app/consistency/tools';
import { EventPayloads, EventType } from '@app/contracts';
import { waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';
import { metricLabels, metricValue, scrape } from '../support/metrics';

/** Every wait on PostgreSQL is bounded: a held lock or a small pool slows a service, never hangs it. */
describe('database timeouts', () => {
  const infra = testInfra();
  const kafka = new Kafka({ clientId: 'timeouts-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  let producer: Producer;
  const started: ServiceProcess[] = [];

  beforeAll(async () => {
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(started.map((service) => service.stop()));
  });

  async function start(service: 'inventory' | 'shipping', env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
    const process = await spawnService(service, env);
    started.push(process);
    await waitUntilHealthy(process);
    return process;
  }

  async function publish<T extends EventType>(type: T, orderId: string, payload: EventPayloads[T]): Promise<void> {
    const { message } = toOutboxMessage({ type, orderId, payload });
    await producer.send({
      topic: message.topic,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
  }

  async function connect(service: 'inventory' | 'shipping'): Promise<Client> {
    const client = new Client({ connectionString: infra.databaseUrl(service), application_name: 'psql-stand-in' });
    await client.connect();
    return client;
  }

  it('when a stock row is held FOR UPDATE from another session, then the handler times out and retries, the stall shows, and it completes once the lock goes', async () => {
    const inventory = await start('inventory', {
      DB_LOCK_TIMEOUT_MS: '300',
      CONSUMER_MAX_ATTEMPTS: '100',
      CONSUMER_RETRY_BASE_MS: '100',
      CONSUMER_RETRY_MAX_MS: '300',
      CONSUMER_STALL_AFTER_MS: '1500',
    });
    const sku = `LOCKED-${randomUUID().slice(0, 8)}`;
    const holder = await connect('inventory');
    const database = await connect('inventory');
    let stalledPartition = '';
    try {
      await database.query('INSERT INTO stock_items (sku, available, reserved) VALUES ($1, 5, 0)', [sku]);
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM stock_items WHERE sku = $1 FOR UPDATE', [sku]);
      const orderId = randomUUID();
      await publish('order.created', orderId, {
        customerId: 'locked',
        items: [{ sku, quantity: 2 }],
        shippingAddress: { country: 'DE' },
      });

      const health = await waitFor(
        'inventory to report its stalled partition',
        async () => {
          const response = await fetch(`${inventory.url}/health`);
          const body = await response.text();
          return response.status === 503 && body.includes('stalled partitions') ? body : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(health).toContain('order.events/');
      const metrics = await (await fetch(`${inventory.url}/metrics`)).text();
      expect(metrics).toMatch(/consumer_partition_stalled_seconds\{[^}]*topic="order.events"[^}]*\} [1-9]/);
      // The stalled partition's waiting message, and how old it is (at least the stall threshold).
      const [stalled] = metricLabels(metrics, 'consumer_partition_stalled_seconds', { topic: 'order.events' });
      stalledPartition = stalled.partition;
      const partition = { topic: 'order.events', partition: stalledPartition };
      expect(metricValue(metrics, 'consumer_lag_messages', partition)).toBeGreaterThanOrEqual(1);
      expect(metricValue(metrics, 'consumer_oldest_unprocessed_age_seconds', partition)).toBeGreaterThanOrEqual(1.5);
      expect(inventory.output()).toContain('canceling statement due to lock timeout');
      const { rows: waiting } = await database.query('SELECT 1 FROM reservations WHERE order_id = $1', [orderId]);
      expect(waiting).toEqual([]);

      await holder.query('COMMIT');
      await waitFor(
        'the reservation once the lock is gone',
        async () => {
          const { rows } = await database.query<{ status: string }>(
            'SELECT status FROM reservations WHERE order_id = $1',
            [orderId],
          );
          return rows[0]?.status === 'RESERVED' ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      await waitFor(
        '/health to recover',
        async () => ((await fetch(`${inventory.url}/health`)).status === 200 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      await waitFor(
        'the partition to show nothing waiting',
        async () => {
          const text = await scrape(inventory.url);
          const partition = { topic: 'order.events', partition: stalledPartition };
          return metricValue(text, 'consumer_lag_messages', partition) === 0 &&
            metricValue(text, 'consumer_oldest_unprocessed_age_seconds', partition) === 0
            ? true
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      const { rows } = await database.query('SELECT available, reserved FROM stock_items WHERE sku = $1', [sku]);
      expect(rows).toEqual([{ available: 3, reserved: 2 }]);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), database.end()]);
    }
  });

  it('when shipping handles more partitions at once than its pool has connections, then every shipment is still booked', async () => {
    await start('shipping', {
      DB_POOL_SIZE: '2',
      CONSUMER_PARTITIONS_CONCURRENTLY: '3',
      SHIPMENT_WORKER_CONCURRENCY: '4',
      OUTBOX_RELAY_CONCURRENCY: '2',
    });
    const database = await connect('shipping');
    try {
      const orderIds = Array.from({ length: 24 }, () => randomUUID());
      await Promise.all(
        orderIds.map((orderId) =>
          publish('inventory.reserved', orderId, {
            customerId: 'small-pool',
            items: [{ sku: 'POOL', quantity: 1 }],
            shippingAddress: { country: 'FR' },
          }),
        ),
      );
      const booked = await waitFor(
        'every shipment to be booked',
        async () => {
          const { rows } = await database.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM shipments WHERE order_id = ANY($1) AND status = 'BOOKED'`,
            [orderIds],
          );
          return rows[0].n === orderIds.length ? rows[0].n : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      expect(booked).toBe(orderIds.length);
    } finally {
      await database.end();
    }
  });
});
