import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

const body = (customerId: string, quantity = 1) => ({
  customerId,
  items: [{ sku: 'IDEMPOTENT-SKU', quantity }],
  shippingAddress: { country: 'DE' },
});

/** POST /orders on a real order service, with the Idempotency-Key semantics the README gives. */
describe('Idempotency-Key on POST /orders', () => {
  const infra = testInfra();
  let order: ServiceProcess;
  let slowOrder: ServiceProcess;
  let database: Client;

  beforeAll(async () => {
    [order, slowOrder] = await Promise.all([
      spawnService('order', { IDEMPOTENCY_KEY_TTL_SECONDS: '2' }),
      spawnService('order', {
        FAULT_POINTS: 'idempotency.after-key-locked:delay:1500',
        OUTBOX_RELAY_ENABLED: 'false',
      }),
    ]);
    await Promise.all([waitUntilHealthy(order), waitUntilHealthy(slowOrder)]);
    database = new Client({ connectionString: infra.databaseUrl('order') });
    await database.connect();
  });

  afterAll(async () => {
    await database?.end();
    await Promise.all([order?.stop(), slowOrder?.stop()]);
  });

  /** Sent as the payload's customer, the token's `sub`. */
  async function post(service: ServiceProcess, key: string | undefined, payload: ReturnType<typeof body>) {
    const response = await fetch(`${service.url}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await authHeaders(payload.customerId)),
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(payload),
    });
    return {
      status: response.status,
      replayed: response.headers.get('idempotent-replayed'),
      location: response.headers.get('location'),
      contentType: response.headers.get('content-type'),
      body: (await response.json()) as { orderId?: string; message?: string | string[] },
    };
  }

  async function ordersOf(customerId: string): Promise<number> {
    const { rows } = await database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders WHERE customer_id = $1',
      [customerId],
    );
    return rows[0].n;
  }

  it('when the key is missing or malformed, then 400 says why and nothing is written', async () => {
    const customer = `c-${randomUUID()}`;
    const missing = await post(order, undefined, body(customer));
    expect(missing).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('Idempotency-Key header is required') },
    });
    const malformed = await post(order, 'has spaces!', body(customer));
    expect(malformed).toMatchObject({ status: 400, body: { message: expect.stringContaining('1 to 255 characters') } });
    expect((await post(order, 'x'.repeat(256), body(customer))).status).toBe(400);
    expect(await ordersOf(customer)).toBe(0);
  });

  it('when the same key and payload are sent again, then the first response is replayed and one order exists', async () => {
    const customer = `c-${randomUUID()}`;
    const key = randomUUID();
    const first = await post(order, key, body(customer));
    const second = await post(order, key, {
      shippingAddress: { country: 'DE' },
      items: body(customer).items,
      customerId: customer,
    });
    expect(first).toMatchObject({ status: 202, replayed: null });
    expect(second).toMatchObject({ status: 202, replayed: 'true', body: first.body });
    expect(await ordersOf(customer)).toBe(1);
  });

  it('when the key is sent as an RFC 8941 quoted string, then it is the same key as its bare spelling', async () => {
    const customer = `c-${randomUUID()}`;
    const key = randomUUID();
    const quoted = await post(order, `"${key}"`, body(customer));
    const bare = await post(order, key, body(customer));
    expect(quoted).toMatchObject({ status: 202, replayed: null });
    expect(bare).toMatchObject({ status: 202, replayed: 'true', body: quoted.body });
    expect(await ordersOf(customer)).toBe(1);
  });

  it('when a request is replayed, then the first status, body and headers come back', async () => {
    const customer = `c-${randomUUID()}`;
    const key = randomUUID();
    const first = await post(order, key, body(customer));
    const replay = await post(order, key, body(customer));
    expect(first.location).toBe(`/orders/${first.body.orderId}`);
    expect(replay).toMatchObject({
      status: first.status,
      replayed: 'true',
      body: first.body,
      location: first.location,
      contentType: first.contentType,
    });
  });

  it('when the same key comes with a different payload, then 422 and no second order', async () => {
    const customer = `c-${randomUUID()}`;
    const key = randomUUID();
    expect((await post(order, key, body(customer, 1))).status).toBe(202);
    const changed = await post(order, key, body(customer, 2));
    expect(changed).toMatchObject({ status: 422, body: { message: expect.stringContaining('different request') } });
    expect(await ordersOf(customer)).toBe(1);
  });

  it('when 10 identical requests arrive while the first is in flight, then one is accepted and nine get 409', async () => {
    const customer = `c-${randomUUID()}`;
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(slowOrder, key, body(customer))));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([202, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    expect(responses.find((response) => response.status === 409)?.body.message).toContain('still in flight');
    const accepted = responses.find((response) => response.status === 202);
    const retried = await post(slowOrder, key, body(customer));
    expect(retried).toMatchObject({ status: 202, replayed: 'true', body: accepted?.body });
    expect(await ordersOf(customer)).toBe(1);
  });

  it('when another client sends the same key, then it gets its own order', async () => {
    const key = randomUUID();
    const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
    const first = await post(order, key, body(alice));
    const second = await post(order, key, body(bob));
    expect(first.status).toBe(202);
    expect(second).toMatchObject({ status: 202, replayed: null });
    expect(second.body.orderId).not.toBe(first.body.orderId);
  });

  it('when the key has expired, then it is cleaned up and the same key places a new order', async () => {
    const customer = `c-${randomUUID()}`;
    const key = randomUUID();
    const first = await post(order, key, body(customer));
    await waitFor(
      'the expired key to be purged',
      async () => {
        const { rows } = await database.query('SELECT 1 FROM idempotency_keys WHERE client_id = $1 AND key = $2', [
          customer,
          key,
        ]);
        return rows.length === 0 ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const again = await post(order, key, body(customer));
    expect(again).toMatchObject({ status: 202, replayed: null });
    expect(again.body.orderId).not.toBe(first.body.orderId);
    expect(await ordersOf(customer)).toBe(2);
  });
});
