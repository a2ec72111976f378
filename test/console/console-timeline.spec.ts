import { waitFor } from '../../scripts/infra/run-command';
import { ConsoleStack, PlacedOrder } from '../support/console-fixture';

interface Step {
  at: string;
  service: string;
  source: string;
  status: string;
  reason?: string;
  cause?: { id: string; type?: string; topic?: string; partition?: number; offset?: string };
  inbox?: { consumer: string; eventId: string };
  outbox?: { topic: string; status: string };
  traceId?: string;
  traceUrl?: string;
  fencingToken?: string;
}

interface Timeline {
  orderId: string;
  status: string;
  idempotencyKeys: Array<{ key: string; customerId: string }>;
  correlationIds: string[];
  steps: Step[];
  shipment?: { status: string; fencingToken: string | null };
  deadLetters: Array<{ service: string; reason: string; original: { type?: string; topic?: string; offset?: string } }>;
  waitingFor?: { service: string; events: string[]; deadlineAt: string; secondsLeft: number };
}

/** The steps that published an event or recorded an outcome, as `service status` in time order. */
const story = (timeline: Timeline) =>
  timeline.steps.filter((step) => step.source !== 'saga-log').map((step) => `${step.service} ${step.status}`);

/** The console's JSON API over real sagas: every step in order, each from the service and table it happened in. */
describe('the console timeline, after real sagas', () => {
  const stack = new ConsoleStack();
  const orders: Record<'happy' | 'compensated' | 'deadLettered' | 'stuck', PlacedOrder> = {} as never;

  beforeAll(async () => {
    await stack.start({ CONSOLE_STALL_AFTER_SECONDS: '1', CONSOLE_INVARIANT_SETTLE_SECONDS: '0' });
    orders.happy = await stack.place(1);
    orders.compensated = await stack.place(1, 'AQ');
    await stack.untilStatus(orders.happy.orderId, 'COMPLETED');
    await stack.untilStatus(orders.compensated.orderId, 'CANCELLED');
    orders.deadLettered = await stack.placeDeadLettered();
    await stack.untilDeadLettered(orders.deadLettered.orderId);
    // The stuck one: nobody answers for the stock.
    await stack.stopService('inventory');
    orders.stuck = await stack.place(1);
  });

  afterAll(async () => {
    // Finish what this suite left open, so no later suite counts these sagas as in flight.
    try {
      await stack.startService('inventory');
      await stack.replayDeadLetterOf(orders.deadLettered.orderId);
      await stack.untilStatus(orders.stuck.orderId, 'COMPLETED');
      await stack.untilStatus(orders.deadLettered.orderId, 'CANCELLED');
    } finally {
      await stack.stop();
    }
  });

  /** The timeline once `done` holds for it (the event index and the notifications catch up). */
  async function timelineOnce(orderId: string, done: (timeline: Timeline) => boolean): Promise<Timeline> {
    let last: Timeline | undefined;
    try {
      return await waitFor(
        `the timeline of ${orderId}`,
        async () => {
          const response = await stack.consoleGet(`/api/orders/${orderId}/timeline`);
          expect(response.status).toBe(200);
          last = (await response.json()) as Timeline;
          return done(last) ? last : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last, null, 1)}`);
    }
  }

  const located = (timeline: Timeline) =>
    timeline.steps.every(
      (step) => !step.cause || (step.cause.partition !== undefined && step.cause.offset !== undefined),
    );

  it('when a saga completes, then its timeline has every step in order with its source, cause, inbox row and trace', async () => {
    const timeline = await timelineOnce(
      orders.happy.orderId,
      (t) => story(t).includes('notification NOTIFIED COMPLETED') && located(t),
    );
    expect(story(timeline)).toEqual([
      'order PLACED',
      'inventory inventory.reserved',
      'shipping shipping.scheduled',
      'order order.completed',
      'notification NOTIFIED COMPLETED',
    ]);
    const at = timeline.steps.map((step) => Date.parse(step.at));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    const step = (status: string) => timeline.steps.find((candidate) => candidate.status === status)!;
    expect(step('PLACED')).toMatchObject({ service: 'order', source: 'orders', outbox: { topic: 'order.events' } });
    expect(step('inventory.reserved')).toMatchObject({
      source: 'outbox',
      cause: { type: 'order.created', topic: 'order.events' },
      inbox: { consumer: 'inventory-service' },
    });
    expect(step('shipping.scheduled')).toMatchObject({
      cause: { type: 'inventory.reserved', topic: 'inventory.events' },
      inbox: { consumer: 'shipping-service' },
      fencingToken: timeline.shipment?.fencingToken,
    });
    expect(timeline.shipment).toMatchObject({ status: 'BOOKED' });
    expect(timeline.shipment?.fencingToken).toMatch(/^\d+$/);
    expect(step('order.completed')).toMatchObject({
      cause: { type: 'shipping.scheduled' },
      inbox: { consumer: 'order-service' },
    });
    expect(step('NOTIFIED COMPLETED')).toMatchObject({
      source: 'notifications',
      cause: { type: 'order.completed', topic: 'order.events' },
      inbox: { consumer: 'notification-service' },
    });
    // The order service's log of what it consumed, each with its inbox row.
    expect(timeline.steps.filter((s) => s.source === 'saga-log').map((s) => s.status)).toEqual([
      'recorded inventory RESERVED',
      'recorded shipping SCHEDULED',
    ]);
    // One trace joins the saga, and every step links to it.
    expect(new Set(timeline.steps.map((s) => s.traceId)).size).toBe(1);
    expect(step('PLACED').traceUrl).toBe(`http://localhost:16686/trace/${step('PLACED').traceId}`);
    expect(timeline.idempotencyKeys).toEqual([
      expect.objectContaining({ key: orders.happy.key, customerId: orders.happy.customer }),
    ]);
    expect(timeline.waitingFor).toBeUndefined();
  });

  it('when shipping fails, then the compensation appears after the failure, with its reason', async () => {
    const timeline = await timelineOnce(
      orders.compensated.orderId,
      (t) => story(t).includes('notification NOTIFIED CANCELLED') && located(t),
    );
    expect(story(timeline)).toEqual([
      'order PLACED',
      'inventory inventory.reserved',
      'shipping shipping.failed',
      'inventory inventory.released',
      'order order.cancelled',
      'notification NOTIFIED CANCELLED',
    ]);
    const failed = timeline.steps.find((step) => step.status === 'shipping.failed')!;
    expect(failed.reason).toBe('destination AQ is not served');
    expect(timeline.steps.find((step) => step.status === 'inventory.released')).toMatchObject({
      cause: { type: 'shipping.failed', topic: 'shipping.events' },
      inbox: { consumer: 'inventory-service' },
    });
    expect(timeline.status).toBe('CANCELLED');
  });

  it('when the order service dead-letters a reply, then the timeline shows the dead letter and the message it came from', async () => {
    const timeline = await timelineOnce(orders.deadLettered.orderId, (t) => t.deadLetters.length > 0 && located(t));
    expect(story(timeline)).toEqual(['order PLACED', 'inventory inventory.rejected', 'order DEAD-LETTERED']);
    const letter = timeline.steps.find((step) => step.status === 'DEAD-LETTERED')!;
    expect(letter).toMatchObject({
      source: 'dead-letter',
      cause: { type: 'inventory.rejected', topic: 'inventory.events' },
      outbox: { topic: 'inventory.events.dlq' },
    });
    expect(letter.reason).toContain('retries-exhausted');
    expect(letter.inbox).toBeUndefined();
    expect(timeline.deadLetters).toEqual([
      expect.objectContaining({
        service: 'order',
        reason: 'retries-exhausted',
        original: expect.objectContaining({ topic: 'inventory.events' }),
      }),
    ]);
  });

  it('when nobody answers, then the timeline names the step the saga waits for and its deadline', async () => {
    const timeline = await timelineOnce(
      orders.stuck.orderId,
      (t) => located(t) && t.steps[0]?.outbox?.status === 'PUBLISHED',
    );
    expect(story(timeline)).toEqual(['order PLACED']);
    expect(timeline.waitingFor).toMatchObject({
      service: 'inventory',
      events: ['inventory.reserved', 'inventory.rejected'],
    });
    expect(timeline.waitingFor!.secondsLeft).toBeGreaterThan(60);
    expect(Date.parse(timeline.waitingFor!.deadlineAt)).toBeGreaterThan(Date.now());
  });

  describe('overview', () => {
    interface OverviewBody {
      inFlight: { byState: Array<{ status: string; count: number }>; oldest: Array<{ orderId: string }> };
      lag: Array<{ groupId: string; topic: string; lag: number; stalled: boolean }>;
      outbox: unknown[];
      invariants?: { orders: number; violations: Array<{ invariant: number; ids: string[] }> };
      series: { t: number[]; ordersPerSecond: Array<number | null> };
      problems: string[];
    }
    const overview = async () => (await (await stack.consoleGet('/api/overview')).json()) as OverviewBody;

    it('when sagas are stuck and a consumer is down, then the overview counts them and flags its stalled partition', async () => {
      const seen = await waitFor(
        'a stalled partition of inventory-service',
        async () => {
          const body = await overview();
          return body.lag.some((p) => p.groupId === 'inventory-service' && p.topic === 'order.events' && p.stalled)
            ? body
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(seen.problems).toEqual([]);
      const pending = seen.inFlight.byState.find((state) => state.status === 'PENDING');
      expect(pending?.count).toBeGreaterThanOrEqual(2);
      expect(seen.inFlight.oldest.map((order) => order.orderId)).toEqual(
        expect.arrayContaining([orders.stuck.orderId, orders.deadLettered.orderId]),
      );
      expect(seen.lag.filter((p) => p.groupId === 'order-service' && p.stalled)).toEqual([]);
    });

    it('then the invariant checker reports the open sagas, not the finished ones, and the charts have points from /metrics', async () => {
      const body = await waitFor(
        'a check that saw the stuck order, and chart points',
        async () => {
          const candidate = await overview();
          const reported = (candidate.invariants?.violations ?? []).flatMap((violation) => violation.ids);
          return reported.includes(orders.stuck.orderId) && candidate.series.t.length > 0 ? candidate : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 500 },
      );
      const open = body.invariants!.violations.find((violation) => violation.invariant === 1)!;
      expect(open.ids).toEqual(expect.arrayContaining([orders.stuck.orderId, orders.deadLettered.orderId]));
      const reported = body.invariants!.violations.flatMap((violation) => violation.ids);
      expect(reported).not.toContain(orders.happy.orderId);
      expect(reported).not.toContain(orders.compensated.orderId);
      expect(body.series.ordersPerSecond).toHaveLength(body.series.t.length);
    });
  });

  describe('search', () => {
    const search = async (q: string, accept = 'application/json') =>
      fetch(`${stack.consoleUrl}/search?q=${encodeURIComponent(q)}`, {
        headers: { ...(await stack.customerHeaders('x')), accept },
        redirect: 'manual',
      });

    it('when given an Idempotency-Key, then GET /search redirects to its order', async () => {
      const response = await fetch(`${stack.consoleUrl}/search?q=${orders.happy.key}`, {
        headers: { ...(await stack.customerHeaders(orders.happy.customer)), accept: 'text/html' },
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(`/orders/${orders.happy.orderId}`);
    });

    it('when given an order id, a correlation id or an event id, then the API finds the order', async () => {
      const timeline = (await (
        await stack.consoleGet(`/api/orders/${orders.compensated.orderId}/timeline`)
      ).json()) as Timeline;
      const eventId = timeline.steps.find((step) => step.status === 'shipping.failed')!.cause!.id;
      for (const [term, matchedBy] of [
        [orders.compensated.orderId, 'order id'],
        [eventId, 'event id'],
        [timeline.correlationIds[0], expect.stringMatching(/order id|correlation id/)],
      ] as const) {
        const response = await stack.consoleGet(`/api/search?q=${term}`);
        expect(await response.json()).toEqual({
          matches: [{ orderId: orders.compensated.orderId, customerId: orders.compensated.customer, matchedBy }],
        });
      }
    });

    it("when a customer searches someone else's order, then nothing is found", async () => {
      const response = await search(orders.happy.key, 'text/html');
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('No order matches');
    });
  });

  describe('access', () => {
    it('when no token is sent, then the API answers 401 and a browser is sent to sign in', async () => {
      const path = `/api/orders/${orders.happy.orderId}/timeline`;
      expect((await fetch(`${stack.consoleUrl}${path}`)).status).toBe(401);
      const page = await fetch(`${stack.consoleUrl}/orders/${orders.happy.orderId}`, {
        headers: { accept: 'text/html' },
        redirect: 'manual',
      });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/orders/${orders.happy.orderId}`)}`);
    });

    it("when a customer asks for another customer's order, then 404; their own, 200", async () => {
      const path = `/api/orders/${orders.happy.orderId}/timeline`;
      expect((await stack.consoleGet(path, await stack.customerHeaders('someone-else'))).status).toBe(404);
      expect((await stack.consoleGet(path, await stack.customerHeaders(orders.happy.customer))).status).toBe(200);
    });

    it('when the input is hostile, then 4xx, never 5xx', async () => {
      for (const path of [
        '/api/orders/not-a-uuid/timeline',
        `/api/search?q=${'x'.repeat(500)}`,
        '/api/search',
        '/search?q=%00%27',
      ]) {
        const response = await stack.consoleGet(path);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }
    });
  });
});
