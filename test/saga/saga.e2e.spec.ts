import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { SERVICE_NAMES, ServiceName } from '../../scripts/services';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { putStock, postOrder } from '../../scripts/http/saga-requests';
import { waitFor } from '../../scripts/infra/run-command';
import { checkInvariants } from '@app/ops';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';
import { metricValue, scrape } from '../support/metrics';

interface OrderView {
  orderId: string;
  status: string;
  failureReason?: string;
  saga: Array<{ step: string; status: string }>;
}

const STEP_TIMEOUT_MS = 5000;
const serviceEnv: Partial<Record<ServiceName, NodeJS.ProcessEnv>> = {
  order: { SAGA_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS), SAGA_SCAN_INTERVAL_MS: '250' },
  shipping: { CARRIER_RETRY_BASE_MS: '50' },
};

/** The four services as real processes on the embedded infrastructure; the saga of docs/architecture.md, path by path. */
describe('the order saga end to end', () => {
  const infra = testInfra();
  const running = new Map<ServiceName, ServiceProcess>();
  const databases = new Map<ServiceName, Pool>();

  async function start(service: ServiceName, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const process = await spawnService(service, { ...serviceEnv[service], ...env });
    running.set(service, process);
    await waitUntilHealthy(process);
  }

  async function stop(service: ServiceName): Promise<void> {
    await running.get(service)?.stop();
    running.delete(service);
  }

  beforeAll(async () => {
    await Promise.all(SERVICE_NAMES.map((service) => start(service)));
    for (const service of SERVICE_NAMES) {
      // A pool: the concurrent-orders test reads while other reads are in flight.
      databases.set(service, new Pool({ connectionString: infra.databaseUrl(service), max: 4 }));
    }
  });

  afterAll(async () => {
    await Promise.all([...databases.values()].map((pool) => pool.end()));
    await Promise.all([...running.keys()].map((service) => stop(service)));
  });

  const url = (service: ServiceName) => running.get(service)?.url ?? '';
  const query = async <T>(service: ServiceName, sql: string, params: unknown[] = []) =>
    (await databases.get(service)!.query(sql, params)).rows as T[];

  /** Orders cancelled so far for `cause`, by the order service's /metrics. */
  async function cancellations(cause: 'rejected' | 'shipping-failed' | 'deadline'): Promise<number | undefined> {
    return metricValue(await scrape(url('order')), 'saga_cancellations_total', { cause });
  }

  async function seed(available: number): Promise<string> {
    const sku = `E2E-${randomUUID().slice(0, 8)}`;
    await putStock(url('inventory'), sku, available);
    return sku;
  }

  const placed: string[] = [];

  async function place(sku: string, quantity: number, country = 'DE', key: string = randomUUID()) {
    const response = await postOrder(url('order'), 'e2e', { sku, quantity, country, key });
    expect(response.status).toBe(202);
    const { orderId } = (await response.json()) as { orderId: string };
    placed.push(orderId);
    return orderId;
  }

  function terminal(orderId: string, timeoutMs = 30_000): Promise<OrderView> {
    return waitFor(
      `order ${orderId} to finish`,
      async () => {
        const response = await fetch(`${url('order')}/orders/${orderId}`, { headers: await authHeaders('e2e') });
        const order = (await response.json()) as OrderView;
        return order.status === 'COMPLETED' || order.status === 'CANCELLED' ? order : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  async function stock(sku: string) {
    const [row] = await query<{ available: number; reserved: number }>(
      'inventory',
      'SELECT available, reserved FROM stock_items WHERE sku = $1',
      [sku],
    );
    return row;
  }

  /** Invariants 3 and 4 of docs/invariants.md, for one finished order (waits for the last effects to land). */
  async function expectSettled(order: OrderView): Promise<void> {
    const outcome = order.status;
    await waitFor(
      `the notification of ${order.orderId}`,
      async () =>
        (await query('notification', 'SELECT 1 FROM notifications WHERE order_id = $1', [order.orderId])).length > 0
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await waitFor(
      `inventory to settle ${order.orderId}`,
      async () => {
        const [reservation] = await query<{ status: string }>(
          'inventory',
          'SELECT status FROM reservations WHERE order_id = $1',
          [order.orderId],
        );
        return reservation?.status !== 'RESERVED' ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const notifications = await query<{ outcome: string }>(
      'notification',
      'SELECT outcome FROM notifications WHERE order_id = $1',
      [order.orderId],
    );
    expect(notifications.map((n) => n.outcome)).toEqual([outcome]);
    const shipments = await query<{ status: string }>('shipping', 'SELECT status FROM shipments WHERE order_id = $1', [
      order.orderId,
    ]);
    if (outcome === 'COMPLETED') {
      expect(shipments.map((s) => s.status)).toEqual(['BOOKED']);
    } else {
      expect(shipments.filter((s) => s.status === 'BOOKED')).toEqual([]);
    }
  }

  it('when stock and destination are fine, then the order completes with one shipment, one notification and stock shipped', async () => {
    const sku = await seed(10);
    const order = await terminal(await place(sku, 3));
    expect(order.status).toBe('COMPLETED');
    expect(order.saga.map((s) => `${s.step}:${s.status}`)).toEqual([
      'order:PENDING',
      'inventory:RESERVED',
      'shipping:SCHEDULED',
      'order:COMPLETED',
    ]);
    await expectSettled(order);
    expect(await stock(sku)).toEqual({ available: 7, reserved: 0 });
  });

  it('when stock is short, then the order is cancelled with the reason and nothing is held', async () => {
    const sku = await seed(2);
    const [rejected, deadline] = [await cancellations('rejected'), await cancellations('deadline')];
    const order = await terminal(await place(sku, 3));
    expect(order).toMatchObject({ status: 'CANCELLED', failureReason: expect.stringContaining('out of stock') });
    expect(await cancellations('rejected')).toBe(rejected! + 1);
    expect(await cancellations('deadline')).toBe(deadline);
    await expectSettled(order);
    expect(await stock(sku)).toEqual({ available: 2, reserved: 0 });
  });

  it('when the destination is not served, then compensation releases the stock and the order is cancelled', async () => {
    const sku = await seed(5);
    const shippingFailed = await cancellations('shipping-failed');
    const order = await terminal(await place(sku, 2, 'AQ'));
    expect(order).toMatchObject({ status: 'CANCELLED', failureReason: 'destination AQ is not served' });
    expect(await cancellations('shipping-failed')).toBe(shippingFailed! + 1);
    expect(order.saga.map((s) => `${s.step}:${s.status}`)).toEqual([
      'order:PENDING',
      'inventory:RESERVED',
      'shipping:FAILED',
      'inventory:RELEASED',
      'order:CANCELLED',
    ]);
    await expectSettled(order);
    expect(await stock(sku)).toEqual({ available: 5, reserved: 0 });
  });

  it('when the carrier fails every attempt, then shipping fails after its retries and the stock is released', async () => {
    await stop('shipping');
    await start('shipping', { CARRIER_FAILURE_RATE: '1' });
    try {
      const sku = await seed(5);
      const order = await terminal(await place(sku, 1));
      expect(order).toMatchObject({
        status: 'CANCELLED',
        failureReason: expect.stringContaining('after 3 attempt(s)'),
      });
      await expectSettled(order);
      expect(await stock(sku)).toEqual({ available: 5, reserved: 0 });
    } finally {
      await stop('shipping');
      await start('shipping');
    }
  });

  it('when 12 concurrent orders compete for the last 5 units, then exactly 5 complete and nothing is oversold', async () => {
    const sku = await seed(5);
    const orderIds = await Promise.all(Array.from({ length: 12 }, () => place(sku, 1)));
    const orders = await Promise.all(orderIds.map((id) => terminal(id)));
    expect(orders.filter((o) => o.status === 'COMPLETED')).toHaveLength(5);
    expect(orders.filter((o) => o.status === 'CANCELLED')).toHaveLength(7);
    await Promise.all(orders.map((order) => expectSettled(order)));
    expect(await stock(sku)).toEqual({ available: 0, reserved: 0 });
  });

  it('when the same POST is sent twice with one key, then one order exists and one notification is sent', async () => {
    const sku = await seed(5);
    const key = randomUUID();
    const [first, second] = [await place(sku, 1, 'DE', key), await place(sku, 1, 'DE', key)];
    expect(second).toBe(first);
    const order = await terminal(first);
    await expectSettled(order);
    expect(await stock(sku)).toEqual({ available: 4, reserved: 0 });
  });

  it('when shipping is down past the step deadline, then the scanner cancels the saga and its stock is released', async () => {
    await stop('shipping');
    const sku = await seed(4);
    const deadline = await cancellations('deadline');
    const orderId = await place(sku, 2);
    try {
      const order = await terminal(orderId, STEP_TIMEOUT_MS * 4);
      expect(order).toMatchObject({
        status: 'CANCELLED',
        failureReason: 'saga deadline exceeded while STOCK_RESERVED',
      });
      expect(await cancellations('deadline')).toBe(deadline! + 1);
      expect(order.saga.map((s) => `${s.step}:${s.status}`)).toContain('scanner:DEADLINE_EXCEEDED');
      await waitFor(
        'the reservation to be released',
        async () => ((await stock(sku)).reserved === 0 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      expect(await stock(sku)).toEqual({ available: 4, reserved: 0 });
    } finally {
      await start('shipping');
    }
    // Shipping now sees the reservation and the cancellation, in either order: no booking may survive.
    await waitFor(
      'shipping to handle the cancellation',
      async () =>
        (
          await query('shipping', `SELECT 1 FROM saga_barrier WHERE saga_id = $1 AND operation = 'compensate'`, [
            orderId,
          ])
        ).length > 0
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await expectSettled(await terminal(orderId));
  });

  it('when orders have finished, then /metrics shows orders by status and saga durations, and /docs describes the API', async () => {
    const sku = await seed(2);
    await terminal(await place(sku, 1));
    await terminal(await place(sku, 1, 'AQ'));
    const metrics = await (await fetch(`${url('order')}/metrics`)).text();
    expect(metrics).toMatch(/^orders\{[^}]*status="COMPLETED"[^}]*\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^saga_duration_seconds_count\{[^}]*outcome="CANCELLED"[^}]*\} [1-9]\d*$/m);
    expect(metrics).toContain('outbox_pending_events');
    const inventoryMetrics = await (await fetch(`${url('inventory')}/metrics`)).text();
    expect(inventoryMetrics).toMatch(
      /consumer_messages_total\{[^}]*topic="order.events"[^}]*outcome="processed"[^}]*\} [1-9]/,
    );
    const docs = (await (await fetch(`${url('order')}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }> }>>;
    };
    expect(docs.paths['/orders'].post.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{id}', '/health', '/metrics']));
  });

  it('when every order of this suite has finished, then the invariant checker finds no violation', async () => {
    const orderIds = [...new Set(placed)];
    await Promise.all(orderIds.map(async (orderId) => expectSettled(await terminal(orderId))));
    const databaseUrls = Object.fromEntries(
      SERVICE_NAMES.map((service) => [service, infra.databaseUrl(service)]),
    ) as Record<ServiceName, string>;
    expect(await checkInvariants(databaseUrls, { orderIds })).toEqual([]);
  });
});
