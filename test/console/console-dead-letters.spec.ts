import { waitFor } from '../../scripts/infra/run-command';
import { ConsoleStack, PlacedOrder } from '../support/console-fixture';
import { metricValue, scrape } from '../support/metrics';

interface DryRunLetter {
  position: string;
  eventId: string;
  orderId: string;
  reason: string;
  duplicate: boolean;
  processedBy: string[];
}

interface DryRun {
  topic: string;
  letters: DryRunLetter[];
  digest: string;
}

interface ReplayRecord {
  id: string;
  actor: string;
  topic: string;
  selection: string;
  eventIds: string[];
  replayed: number;
  duplicates: number;
}

const TOPIC = 'inventory.events';

/** Dry run and replay of a real dead letter through the console's API: the inbox decides, and every replay is on record. */
describe('the console dead-letter replay', () => {
  const stack = new ConsoleStack();
  let order: PlacedOrder;
  let position: string;

  beforeAll(async () => {
    await stack.start();
    order = await stack.placeDeadLettered();
    await stack.untilDeadLettered(order.orderId);
    const letters = (await (await stack.consoleGet(`/api/dead-letters/${TOPIC}`)).json()) as DryRunLetter[];
    position = letters.find((letter) => letter.orderId === order.orderId)!.position;
  });

  afterAll(() => stack.stop());

  async function post<T>(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${stack.consoleUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(headers ?? (await stack.adminHeaders())) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  const dryRun = () =>
    post<DryRun>(`/api/dead-letters/${TOPIC}/dry-run`, { select: 'positions', position: [position] });
  const replay = (digest: string) =>
    post<ReplayRecord>(`/api/dead-letters/${TOPIC}/replay`, { select: 'positions', position: [position], digest });

  const duplicatesSeenByOrder = async () =>
    metricValue(await scrape(stack.url('order')), 'consumer_messages_total', { topic: TOPIC, outcome: 'duplicate' }) ??
    0;

  it('when a dead letter its consumer never processed is replayed, then the dry run says so and the saga completes', async () => {
    const { status, body: plan } = await dryRun();
    expect(status).toBe(200);
    expect(plan.letters).toEqual([
      expect.objectContaining({ orderId: order.orderId, reason: 'retries-exhausted', duplicate: false }),
    ]);
    expect(plan.letters[0].processedBy).not.toContain('order-service');

    const { body: record } = await replay(plan.digest);
    expect(record).toMatchObject({ actor: 'dev-admin', topic: TOPIC, replayed: 1, duplicates: 0 });
    await stack.untilStatus(order.orderId, 'CANCELLED');
  });

  it('when the same dead letter is replayed again, then the dry run flags it a duplicate and the replay changes nothing', async () => {
    const { body: plan } = await dryRun();
    expect(plan.letters).toEqual([expect.objectContaining({ duplicate: true })]);
    expect(plan.letters[0].processedBy).toContain('order-service');

    const before = await (await stack.consoleGet(`/api/orders/${order.orderId}/timeline`)).text();
    const duplicates = await duplicatesSeenByOrder();
    const { body: record } = await replay(plan.digest);
    expect(record).toMatchObject({ replayed: 1, duplicates: 1 });
    await waitFor(
      'the order service to skip the replayed duplicate',
      async () => ((await duplicatesSeenByOrder()) > duplicates ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(await (await stack.consoleGet(`/api/orders/${order.orderId}/timeline`)).text()).toBe(before);
  });

  it('then every replay is on record: who, when, what', async () => {
    const audit = (await (await stack.consoleGet('/api/replays')).json()) as ReplayRecord[];
    const mine = audit.filter((record) => record.eventIds.includes(audit[0].eventIds[0]));
    expect(mine.slice(0, 2)).toEqual([
      expect.objectContaining({ actor: 'dev-admin', selection: `positions ${position}`, duplicates: 1 }),
      expect.objectContaining({ actor: 'dev-admin', selection: `positions ${position}`, duplicates: 0 }),
    ]);
  });

  it('when the selection changed since the dry run, then the replay is refused', async () => {
    const { status } = await replay('A'.repeat(22));
    expect(status).toBe(409);
  });

  it('when a customer asks, then 403; when the input is hostile, then 400', async () => {
    const customer = await stack.customerHeaders('not-an-admin');
    expect((await post(`/api/dead-letters/${TOPIC}/dry-run`, { select: 'all' }, customer)).status).toBe(403);
    for (const [path, body] of [
      ['/api/dead-letters/no.such.topic/dry-run', { select: 'all' }],
      [`/api/dead-letters/${TOPIC}/dry-run`, { select: 'positions', position: ['x@y'] }],
      [`/api/dead-letters/${TOPIC}/dry-run`, { select: 'reason', reason: { $ne: 1 } }],
      [`/api/dead-letters/${TOPIC}/replay`, { select: 'all' }],
    ] as const) {
      expect((await post(path, body)).status).toBe(400);
    }
  });

  it('when a browser session posts without its form token, then the replay is refused (CSRF)', async () => {
    const token = (await stack.adminHeaders()).authorization.replace('Bearer ', '');
    const login = await fetch(`${stack.consoleUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
      redirect: 'manual',
    });
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = { cookie: cookie.split(';')[0] };
    const { body: plan } = await dryRun();
    const forged = await post(
      `/api/dead-letters/${TOPIC}/replay`,
      { select: 'positions', position: [position], digest: plan.digest },
      session,
    );
    expect(forged.status).toBe(403);
    const crossSite = await post(
      `/api/dead-letters/${TOPIC}/dry-run`,
      { select: 'all' },
      { ...session, origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
  });
});
