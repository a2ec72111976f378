import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ServiceName } from '../../scripts/services';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { putStock, postOrder } from '../../scripts/http/saga-requests';
import { waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

interface OrderView {
  orderId: string;
  status: string;
  failureReason?: string;
  saga: Array<{ step: string; status: string }>;
}

interface Answer {
  status: number;
  body: OrderView & { message?: string };
  ms: number;
}

const MAX_WAITERS = 3;
/** The suite's order instance re-reads held orders only this rarely: every wake it sees in time is in-process. */
const SLOW_RECHECK_MS = 60_000;
const FAST_RECHECK_MS = 500;
const STEP_TIMEOUT_MS = 8000;
const CUSTOMER = `poller-${randomUUID().slice(0, 8)}`;
/** A SKU inventory does not know: with inventory stopped, such an order stays PENDING until its deadline. */
const unknownSku = () => `POLL-UNKNOWN-${randomUUID().slice(0, 8)}`;

/** `GET /orders/:id?wait=`: the client hears of a change when it happens, without polling. */
describe('GET /orders/:id?wait= (long poll)', () => {
  const infra = testInfra();
  const running = new Map<ServiceName, ServiceProcess>();
  let orders: Client;

  async function start(service: ServiceName, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    const process = await spawnService(service, env);
    running.set(service, process);
    await waitUntilHealthy(process);
    return process;
  }

  async function stop(service: ServiceName): Promise<void> {
    await running.get(service)?.stop();
    running.delete(service);
  }

  const url = (service: ServiceName) => running.get(service)!.url;

  beforeAll(async () => {
    await Promise.all([
      start('order', {
        LONG_POLL_MAX_WAITERS: String(MAX_WAITERS),
        LONG_POLL_RECHECK_MS: String(SLOW_RECHECK_MS),
        SAGA_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS),
        SAGA_SCAN_INTERVAL_MS: '250',
      }),
      start('inventory'),
      start('shipping', { CARRIER_RETRY_BASE_MS: '50' }),
    ]);
    orders = new Client({ connectionString: infra.databaseUrl('order') });
    await orders.connect();
  });

  afterAll(async () => {
    await orders?.end();
    await Promise.all([...running.keys()].map((service) => stop(service)));
  });

  async function seed(available: number): Promise<string> {
    const sku = `POLL-${randomUUID().slice(0, 8)}`;
    const response = await putStock(url('inventory'), sku, available);
    expect(response.status).toBe(200);
    return sku;
  }

  async function place(sku: string): Promise<string> {
    const response = await postOrder(url('order'), CUSTOMER, { sku });
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string }).orderId;
  }

  async function get(
    orderId: string,
    query = '',
    { as = CUSTOMER, signal, from = url('order') }: { as?: string; signal?: AbortSignal; from?: string } = {},
  ) {
    const started = Date.now();
    const response = await fetch(`${from}/orders/${orderId}${query}`, {
      headers: await authHeaders(as),
      signal,
    });
    const body = (await response.json()) as Answer['body'];
    return { status: response.status, body, ms: Date.now() - started } satisfies Answer;
  }

  async function metric(name: string, outcome?: string, from = url('order')): Promise<number> {
    const text = await (await fetch(`${from}/metrics`)).text();
    const label = outcome === undefined ? '' : `[^}]*outcome="${outcome}"`;
    const match = new RegExp(`^${name}\\{${label}[^}]*\\} (\\d+)$`, 'm').exec(text);
    if (!match) {
      throw new Error(`${name} ${outcome ?? ''} is not on /metrics`);
    }
    return Number(match[1]);
  }

  const waiters = (count: number, from = url('order')) =>
    waitFor(
      `${count} held long polls`,
      async () => ((await metric('order_long_poll_waiters', undefined, from)) === count ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 50 },
    );

  it('when the client asks with a wait, then the commits of this instance answer it: one request per status change', async () => {
    const orderId = await place(await seed(5));
    const seen: string[] = [];
    for (let request = 1; request <= 3 && !['COMPLETED', 'CANCELLED'].includes(seen.at(-1) ?? ''); request++) {
      const answer = await get(orderId, '?wait=20s');
      expect(answer.status).toBe(200);
      // Far inside the wait and the one-minute recheck: woken right after the commit that moved it.
      expect(answer.ms).toBeLessThan(10_000);
      seen.push(answer.body.status);
    }
    expect(seen.at(-1)).toBe('COMPLETED');
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('when the client waits until terminal, then one request passes the intermediate statuses and answers with the outcome', async () => {
    const orderId = await place(await seed(5));
    const answer = await get(orderId, '?wait=20s&until=terminal');
    expect(answer).toMatchObject({ status: 200, body: { orderId, status: 'COMPLETED' } });
    // The intermediate status was committed before the outcome and did not end the wait.
    expect(answer.body.saga.map(({ step, status }) => `${step} ${status}`)).toEqual(
      expect.arrayContaining(['inventory RESERVED', 'shipping SCHEDULED']),
    );
    expect(answer.ms).toBeLessThan(10_000);
  });

  it('when the order is already terminal, then the answer comes at once', async () => {
    const orderId = await place(await seed(1));
    const done = await waitFor(
      'the order to finish',
      async () => {
        const answer = await get(orderId, '?wait=20s');
        return answer.body.status === 'COMPLETED' ? answer : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 0 },
    );
    expect(done.body.saga.map((step) => step.status)).toContain('SCHEDULED');
    const again = await get(orderId, '?wait=20s');
    expect(again).toMatchObject({ status: 200, body: { status: 'COMPLETED' } });
    expect(again.ms).toBeLessThan(5000);
  });

  it('when wait is malformed or past 30s, or until is not change or terminal, then 400 says the rule; someone else’s or a missing order is 404 at once', async () => {
    const orderId = await place(await seed(1));
    for (const wait of ['5', '5m', '1.5s', '-1s', '31s', '30001ms', 'soon', '', '%205s', '5s%20']) {
      const answer = await get(orderId, `?wait=${wait}`);
      expect({ wait, status: answer.status, message: answer.body.message }).toEqual({
        wait,
        status: 400,
        message: 'wait must be a whole number of s or ms (5s, 500ms), at most 30s',
      });
    }
    for (const query of ['?wait=1s&wait=2s', '?wait=5s%00', '?wait=5s&until=terminal&until=change']) {
      expect({ query, status: (await get(orderId, query)).status }).toEqual({ query, status: 400 });
    }
    for (const until of ['TERMINAL', 'done', '', 'terminal%20', 'outcome']) {
      const answer = await get(orderId, `?wait=5s&until=${until}`);
      expect({ until, status: answer.status, message: answer.body.message }).toEqual({
        until,
        status: 400,
        message: 'until must be one of change, terminal',
      });
    }
    const stranger = await get(orderId, '?wait=20s', { as: `stranger-${randomUUID()}` });
    expect(stranger).toMatchObject({ status: 404, body: { message: `order ${orderId} does not exist` } });
    expect(stranger.ms).toBeLessThan(5000);
    const missing = await get(randomUUID(), '?wait=20s');
    expect(missing.status).toBe(404);
    expect(missing.ms).toBeLessThan(5000);
  });

  describe('while inventory is stopped (orders stay PENDING until their deadline)', () => {
    beforeAll(async () => {
      await stop('inventory');
    });

    afterAll(async () => {
      await start('inventory');
    });

    it('when the wait ends without a change, then the current view comes back after the wait', async () => {
      const pending = await place(unknownSku());
      const oneSecond = await get(pending, '?wait=1s');
      expect(oneSecond).toMatchObject({ status: 200, body: { orderId: pending, status: 'PENDING' } });
      expect(oneSecond.ms).toBeGreaterThanOrEqual(1000);
      expect(oneSecond.ms).toBeLessThan(4000);
      const halfSecond = await get(pending, '?wait=500ms');
      expect(halfSecond.body.status).toBe('PENDING');
      expect(halfSecond.ms).toBeGreaterThanOrEqual(500);
      expect(halfSecond.ms).toBeLessThan(3500);
    });

    it('when the client goes away, then its wait is let go', async () => {
      const pending = await place(unknownSku());
      const disconnectedBefore = await metric('order_long_polls_total', 'disconnected');
      const gone = new AbortController();
      const held = get(pending, '?wait=30s', { signal: gone.signal }).catch((error: Error) => error.name);
      await waiters(1);
      gone.abort();
      expect(await held).toBe('AbortError');
      await waiters(0);
      expect(await metric('order_long_polls_total', 'disconnected')).toBe(disconnectedBefore + 1);
    });

    it('when the instance holds as many waits as it may, then the next is answered at once, and the commit that moves the order wakes the held ones', async () => {
      const pending = await place(unknownSku());
      const placedAt = Date.now();
      const overBefore = await metric('order_long_polls_total', 'over_capacity');
      const held = Array.from({ length: MAX_WAITERS }, () => get(pending, '?wait=30s'));
      await waiters(MAX_WAITERS);
      const turnedAway = await get(pending, '?wait=30s');
      expect(turnedAway).toMatchObject({ status: 200, body: { status: 'PENDING' } });
      expect(turnedAway.ms).toBeLessThan(5000);
      expect(await metric('order_long_polls_total', 'over_capacity')).toBe(overBefore + 1);

      // The scanner of this instance cancels the order at its deadline; only that commit can wake them this early.
      for (const answer of await Promise.all(held)) {
        expect(answer).toMatchObject({
          status: 200,
          body: { status: 'CANCELLED', failureReason: 'saga deadline exceeded while PENDING' },
        });
        expect(answer.ms).toBeLessThan(25_000);
      }
      expect(Date.now() - placedAt).toBeGreaterThanOrEqual(STEP_TIMEOUT_MS);
      await waiters(0);
    });

    it('when another instance moves the order, then the recheck of the instance holding the wait finds it within its interval', async () => {
      const holder = await spawnService('order', { LONG_POLL_RECHECK_MS: String(FAST_RECHECK_MS) });
      try {
        await waitUntilHealthy(holder);
        const moved = await place(unknownSku());
        const held = get(moved, '?wait=20s', { from: holder.url });
        await waiters(1, holder.url);
        // Committed outside the holder, as another order instance's consumer would.
        await orders.query(
          `UPDATE orders SET status = 'CANCELLED', failure_reason = 'cancelled elsewhere' WHERE id = $1 AND status = 'PENDING'`,
          [moved],
        );
        const changedAt = Date.now();
        const answer = await held;
        expect(answer).toMatchObject({
          status: 200,
          body: { status: 'CANCELLED', failureReason: 'cancelled elsewhere' },
        });
        expect(Date.now() - changedAt).toBeLessThan(FAST_RECHECK_MS + 3000);
      } finally {
        await holder.stop();
      }
    });

    it('when the service shuts down, then held waits are answered at once and it exits cleanly', async () => {
      const orderId = await place(unknownSku());
      const held = get(orderId, '?wait=30s');
      await waiters(1);
      const order = running.get('order')!;
      const stoppedAt = Date.now();
      const [answer, code] = await Promise.all([held, order.stop('SIGTERM')]);
      running.delete('order');
      expect(answer).toMatchObject({ status: 200, body: { orderId, status: 'PENDING' } });
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      expect(code).toBe(0);
    });
  });
});
