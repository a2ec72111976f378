import { randomUUID } from 'node:crypto';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { metricValue, scrape } from '../support/metrics';

/** What `/metrics` of a real order service says about its HTTP traffic and Idempotency-Key outcomes. */
describe('HTTP and Idempotency-Key metrics', () => {
  let order: ServiceProcess;

  beforeAll(async () => {
    // The delay holds a request inside its key's lock long enough for a second one to meet it (409).
    order = await spawnService('order', {
      FAULT_POINTS: 'idempotency.after-key-locked:delay:700',
      // Not about load: a backlog other suites left in the shared database must not shed these requests.
      ADMISSION_ENABLED: 'false',
    });
    await waitUntilHealthy(order);
  });

  afterAll(async () => {
    await order?.stop();
  });

  async function post(customer: string, key: string, quantity = 1): Promise<{ status: number; orderId?: string }> {
    const response = await fetch(`${order.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, ...(await authHeaders(customer)) },
      body: JSON.stringify({ items: [{ sku: 'METRICS-SKU', quantity }], shippingAddress: { country: 'DE' } }),
    });
    const { orderId } = (await response.json()) as { orderId?: string };
    return { status: response.status, orderId };
  }

  const outcome = (text: string, name: string) => metricValue(text, 'idempotency_requests_total', { outcome: name });

  it('when a key is used, replayed, reused with another payload and sent twice at once, then each outcome is counted once', async () => {
    const before = await scrape(order.url);
    for (const name of ['new', 'replayed', 'in-flight', 'mismatch']) {
      expect(outcome(before, name)).toBeDefined();
    }
    const customer = `metrics-${randomUUID()}`;
    const key = randomUUID();
    expect((await post(customer, key)).status).toBe(202);
    expect((await post(customer, key)).status).toBe(202);
    expect((await post(customer, key, 2)).status).toBe(422);
    const racing = randomUUID();
    const statuses = (await Promise.all([post(customer, racing), post(customer, racing)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([202, 409]);

    const after = await scrape(order.url);
    expect(outcome(after, 'new')).toBe(outcome(before, 'new')! + 2);
    expect(outcome(after, 'replayed')).toBe(outcome(before, 'replayed')! + 1);
    expect(outcome(after, 'mismatch')).toBe(outcome(before, 'mismatch')! + 1);
    expect(outcome(after, 'in-flight')).toBe(outcome(before, 'in-flight')! + 1);
  });

  it('when requests are answered, then their latency is recorded per route template, method and status class', async () => {
    const series = (route: string, method: string, statusClass: string) => ({
      route,
      method,
      status_class: statusClass,
    });
    const count = (text: string, labels: Record<string, string>) =>
      metricValue(text, 'http_request_duration_seconds_count', labels) ?? 0;
    const customer = `metrics-${randomUUID()}`;
    const before = await scrape(order.url);

    const { orderId } = await post(customer, randomUUID());
    const headers = await authHeaders(customer);
    expect((await fetch(`${order.url}/orders/${orderId}`, { headers })).status).toBe(200);
    expect((await fetch(`${order.url}/orders/${randomUUID()}`, { headers })).status).toBe(404);
    expect((await fetch(`${order.url}/no-such-route/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${order.url}/orders`, { method: 'POST', body: '{"bad json' })).status).toBe(401);

    const after = await scrape(order.url);
    const moved = (labels: Record<string, string>) => count(after, labels) - count(before, labels);
    expect(moved(series('/orders', 'POST', '2xx'))).toBe(1);
    expect(moved(series('/orders/:id', 'GET', '2xx'))).toBe(1);
    expect(moved(series('/orders/:id', 'GET', '4xx'))).toBe(1);
    expect(moved(series('unmatched', 'GET', '4xx'))).toBe(1);
    expect(moved(series('/orders', 'POST', '4xx'))).toBe(1);
    // Raw paths never become series.
    expect(after).not.toContain(orderId);
    expect(after).not.toContain('no-such-route');
    expect(metricValue(after, 'service_ready')).toBe(1);
  });
});
