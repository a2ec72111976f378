import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SERVICE_NAMES, ServiceName } from '../../scripts/services';
import { adminHeaders, authHeaders } from '../../scripts/auth/auth-headers';
import { putStock, postOrder } from '../../scripts/http/saga-requests';
import { waitFor } from '../../scripts/infra/run-command';
import { checkInvariants, violationsOnceSettled } from '@app/ops';
import { armFault, ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

interface OrderView {
  orderId: string;
  status: string;
  failureReason?: string;
  saga: Array<{ step: string; status: string; at: string }>;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { orderId?: string; statusCode?: number; error?: string; message?: string };
}

const STEP_TIMEOUT_MS = 10_000;
const MAX_SAGAS_IN_FLIGHT = 10;
const MAX_OUTBOX_AGE_MS = 1500;
const CUSTOMER = 'overload';
/** Several times what the two-core box completes (about 50 orders/s), for two seconds. */
const BURST = { orders: 300, perSecond: 150 };

const serviceEnv: Partial<Record<ServiceName, NodeJS.ProcessEnv>> = {
  order: {
    ADMISSION_MAX_SAGAS_IN_FLIGHT: String(MAX_SAGAS_IN_FLIGHT),
    ADMISSION_MAX_OUTBOX_AGE_MS: String(MAX_OUTBOX_AGE_MS),
    SAGA_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS),
    SAGA_SCAN_INTERVAL_MS: '250',
    OUTBOX_MAX_BACKOFF_MS: '500',
    FAULT_INJECTION: 'true',
    NODE_ENV: 'test',
  },
  shipping: { CARRIER_RETRY_BASE_MS: '50' },
};

/** Sends `count` requests at a fixed rate whatever the answers (open loop: no coordinated omission). */
async function openLoop<T>(count: number, perSecond: number, send: () => Promise<T>): Promise<T[]> {
  const start = Date.now();
  const sent: Array<Promise<T>> = [];
  for (let index = 0; index < count; index++) {
    const due = start + (index * 1000) / perSecond;
    if (due > Date.now()) {
      await new Promise((done) => setTimeout(done, due - Date.now()));
    }
    sent.push(send());
  }
  return Promise.all(sent);
}

/** The overload rule (README, Overload) on real processes: past capacity POST /orders sheds, and what it accepts finishes. */
describe('admission control on POST /orders', () => {
  const infra = testInfra();
  const running = new Map<ServiceName, ServiceProcess>();
  let orders: Client;
  const accepted: string[] = [];

  beforeAll(async () => {
    await Promise.all(
      SERVICE_NAMES.map(async (service) => {
        const process = await spawnService(service, serviceEnv[service]);
        running.set(service, process);
        await waitUntilHealthy(process);
      }),
    );
    orders = new Client({ connectionString: infra.databaseUrl('order') });
    await orders.connect();
  });

  afterAll(async () => {
    await orders?.end();
    await Promise.all([...running.values()].map((process) => process.stop()));
  });

  const url = (service: ServiceName) => running.get(service)!.url;

  async function seed(available: number): Promise<string> {
    const sku = `OVERLOAD-${randomUUID().slice(0, 8)}`;
    const response = await putStock(url('inventory'), sku, available);
    expect(response.status).toBe(200);
    return sku;
  }

  async function post(sku: string): Promise<Answer> {
    const response = await postOrder(url('order'), CUSTOMER, { sku });
    const answer: Answer = {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Answer['body'],
    };
    if (answer.status === 202) {
      accepted.push(answer.body.orderId!);
    }
    return answer;
  }

  /** Follows the order with long polls until it is terminal. */
  async function finished(orderId: string): Promise<OrderView> {
    return waitFor(
      `order ${orderId} to finish`,
      async () => {
        const response = await fetch(`${url('order')}/orders/${orderId}?wait=5s`, {
          headers: await authHeaders(CUSTOMER),
        });
        const order = (await response.json()) as OrderView;
        return order.status === 'COMPLETED' || order.status === 'CANCELLED' ? order : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 0 },
    );
  }

  async function rejections(): Promise<Record<string, number>> {
    const text = await (await fetch(`${url('order')}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const [, reason, value] of text.matchAll(/^admission_rejections_total\{[^}]*reason="(\w+)"[^}]*\} (\d+)$/gm)) {
      counts[reason] = Number(value);
    }
    return counts;
  }

  function acceptedAgain(sku: string): Promise<Answer> {
    return waitFor(
      'orders to be accepted again',
      async () => {
        const answer = await post(sku);
        return answer.status === 202 ? answer : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }

  function expectShed(answer: Answer, because: RegExp): void {
    expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
    expect(Number(answer.retryAfter)).toBeLessThanOrEqual(30);
    expect(answer.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(because),
    });
  }

  /** Every accepted order completed, none by the scanner, each within one step deadline of its acceptance. */
  async function expectAllCompletedInTime(orderIds: string[]): Promise<void> {
    const views = await Promise.all(orderIds.map((orderId) => finished(orderId)));
    expect(views.filter((view) => view.status !== 'COMPLETED')).toEqual([]);
    for (const view of views) {
      expect(view.saga.map((step) => step.step)).not.toContain('scanner');
      const took = Date.parse(view.saga.at(-1)!.at) - Date.parse(view.saga[0].at);
      expect(took).toBeLessThan(STEP_TIMEOUT_MS);
    }
    const { rows } = await orders.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND failure_reason LIKE 'saga deadline exceeded%'`,
      [orderIds],
    );
    expect(rows[0].n).toBe(0);
  }

  it('when an open-loop burst runs well past capacity, then the excess gets 503 with Retry-After and every accepted order completes within the saga deadline', async () => {
    const sku = await seed(BURST.orders);
    const before = await rejections();
    const answers = await openLoop(BURST.orders, BURST.perSecond, () => post(sku));

    const shed = answers.filter((answer) => answer.status === 503);
    const admitted = answers.filter((answer) => answer.status === 202);
    expect(answers.filter((answer) => answer.status !== 202 && answer.status !== 503)).toEqual([]);
    expect(shed.length).toBeGreaterThan(0);
    expect(admitted.length).toBeGreaterThan(0);
    shed.forEach((answer) => expectShed(answer, /past capacity/));

    await expectAllCompletedInTime(admitted.map((answer) => answer.body.orderId!));
    const after = await rejections();
    const counted = Object.keys(after).reduce((sum, reason) => sum + after[reason] - (before[reason] ?? 0), 0);
    expect(counted).toBe(shed.length);
    expect(after.sagas_in_flight - before.sagas_in_flight).toBeGreaterThan(0);

    // The burst is over and its sagas finished: once the sampler has seen it, the service takes orders again.
    const again = await acceptedAgain(sku);
    await expectAllCompletedInTime([again.body.orderId!]);
  });

  it('when the relay cannot publish for longer than the outbox bound, then orders are shed until it has caught up, and those accepted complete', async () => {
    const sku = await seed(100);
    const before = await rejections();
    await armFault(url('order'), 'outbox.after-commit-before-publish', { kind: 'throw' });
    let shed: Answer;
    try {
      expect((await post(sku)).status).toBe(202);
      shed = await waitFor(
        'an order to be shed for the outbox backlog',
        async () => {
          const answer = await post(sku);
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      const disarmed = await fetch(`${url('order')}/faults/outbox.after-commit-before-publish`, {
        method: 'DELETE',
        headers: await adminHeaders(),
      });
      expect(disarmed.status).toBe(204);
    }
    expectShed(shed, /outbox is behind/);
    expect((await rejections()).outbox_age - before.outbox_age).toBeGreaterThan(0);

    await acceptedAgain(sku);
    const { rows } = await orders.query<{ id: string }>(
      `SELECT id FROM orders WHERE customer_id = $1 AND items @> $2::jsonb`,
      [CUSTOMER, JSON.stringify([{ sku }])],
    );
    await expectAllCompletedInTime(rows.map((row) => row.id));
  });

  it('when every order of this suite has finished, then the invariant checker finds no violation', async () => {
    await Promise.all(accepted.map((orderId) => finished(orderId)));
    const databaseUrls = Object.fromEntries(
      SERVICE_NAMES.map((service) => [service, infra.databaseUrl(service)]),
    ) as Record<ServiceName, string>;
    const violations = await violationsOnceSettled(
      () => checkInvariants(databaseUrls, { orderIds: accepted }),
      Date.now() + 30_000,
    );
    expect(violations).toEqual([]);
  });
});
