import { randomUUID } from 'node:crypto';
import { Topics } from '@app/contracts';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { putStock } from '../../scripts/http/saga-requests';
import { ReadMessage, TopicReader } from '../../scripts/kafka/topic-reader';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

/** X-Request-ID on real services: answered, logged, carried through the saga's events. */
describe('X-Request-ID', () => {
  const infra = testInfra();
  let order: ServiceProcess;
  let keyedByRequestId: ServiceProcess;
  let inventory: ServiceProcess;
  let events: TopicReader;
  const sku = `RID-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    [order, keyedByRequestId, inventory] = await Promise.all([
      spawnService('order', {}, { logLevel: 'info' }),
      spawnService('order', { IDEMPOTENCY_KEY_FROM_REQUEST_ID: 'true', OUTBOX_RELAY_ENABLED: 'false' }),
      spawnService('inventory', {}, { logLevel: 'info' }),
    ]);
    await Promise.all([order, keyedByRequestId, inventory].map((service) => waitUntilHealthy(service)));
    events = await new TopicReader(infra.kafkaBrokers, [Topics.order, Topics.inventory]).start();
    const seeded = await putStock(inventory.url, sku, 100);
    expect(seeded.status).toBe(200);
  });

  afterAll(async () => {
    await events?.stop();
    await Promise.all([order?.stop(), keyedByRequestId?.stop(), inventory?.stop()]);
  });

  /** An order without an Idempotency-Key unless `headers` gives one. */
  async function place(service: ServiceProcess, headers: Record<string, string>) {
    return fetch(`${service.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeaders('rid-customer')), ...headers },
      body: JSON.stringify({ items: [{ sku, quantity: 1 }], shippingAddress: { country: 'DE' } }),
    });
  }

  const ofOrder = (orderId: string, type: string) => (message: ReadMessage) =>
    message.key === orderId && message.headers['event-type'] === type;

  it('when a client sends one, then it is answered, on the request log line, and on the events the order causes downstream', async () => {
    const requestId = `rid-${randomUUID()}`;
    const response = await place(order, { 'x-request-id': requestId, 'idempotency-key': randomUUID() });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const { orderId } = (await response.json()) as { orderId: string };

    await events.waitUntil('order.created and inventory.reserved of the order', (messages) =>
      ['order.created', 'inventory.reserved'].every((type) => messages.some(ofOrder(orderId, type))),
    );
    const created = events.messages.find(ofOrder(orderId, 'order.created'));
    const reserved = events.messages.find(ofOrder(orderId, 'inventory.reserved'));
    expect([created?.headers['request-id'], reserved?.headers['request-id']]).toEqual([requestId, requestId]);
    // One trace from the request through the step that reacted to it.
    const traceOf = (message?: ReadMessage) => message?.headers.traceparent.split('-')[1];
    expect(traceOf(reserved)).toBe(traceOf(created));

    const requestLine = order
      .output()
      .split('\n')
      .find((line) => line.includes('"req":') && line.includes('"responseTime"') && line.includes(requestId));
    expect(requestLine).toBeDefined();
    expect(JSON.parse(requestLine ?? '{}')).toMatchObject({
      service: 'order',
      req: { id: requestId },
      requestId,
      traceId: traceOf(created),
    });
  });

  it('when a client sends none or an unusable one, then the service makes one up and answers with it', async () => {
    for (const sent of [undefined, 'x'.repeat(200), 'has spaces']) {
      const response = await place(order, {
        'idempotency-key': randomUUID(),
        ...(sent === undefined ? {} : { 'x-request-id': sent }),
      });
      expect(response.status).toBe(202);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('when the key is taken from X-Request-ID (opt-in), then a retry with the same id is replayed; by default it is not a key', async () => {
    const requestId = `retry-${randomUUID()}`;
    const first = await place(keyedByRequestId, { 'x-request-id': requestId });
    const retry = await place(keyedByRequestId, { 'x-request-id': requestId });
    expect([first.status, retry.status]).toEqual([202, 202]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as { orderId: string }).orderId).toBe(
      ((await first.json()) as { orderId: string }).orderId,
    );

    const byDefault = await place(order, { 'x-request-id': requestId });
    expect(byDefault.status).toBe(400);
  });
});
