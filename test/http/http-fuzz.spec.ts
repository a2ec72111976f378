import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { Role, signToken } from '@app/consistency/tools';
import { SERVICE_NAMES, ServiceName } from '../../scripts/services';
import { adminHeaders, authHeaders, devAuthSecret } from '../../scripts/auth/auth-headers';
import { waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

interface Call {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or buffer as is. */
  body?: unknown;
}

type Endpoint = { name: string; service: ServiceName; method: string; path: () => string; body?: () => unknown };

const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');

/**
 * The four services as real processes, attacked over HTTP with hostile tokens, bodies, paths, query
 * strings and headers: every answer is a 4xx in Nest's error shape (or Node's own 4xx for what never
 * reaches the app), never a 5xx; nothing hostile changes state; the 401/403/404 rules hold.
 */
describe('HTTP API under hostile input', () => {
  const infra = testInfra();
  const secret = devAuthSecret();
  const run = randomUUID().slice(0, 8);
  const [alice, bob, mallory] = [`alice-${run}`, `bob-${run}`, `mallory-${run}`];
  const sku = `FUZZ-${run}`;
  /** Stock no order touches: hostile writes aim at it, so any change to it is theirs. */
  const quietSku = `QUIET-${run}`;
  const services = {} as Record<ServiceName, ServiceProcess>;
  const databases = {} as Record<ServiceName, Client>;
  let aliceOrder: string;
  let ownerlessOrder: string;

  const orderBody = (customerId?: string) => ({
    ...(customerId === undefined ? {} : { customerId }),
    items: [{ sku, quantity: 1 }],
    shippingAddress: { country: 'DE' },
  });

  async function call(service: ServiceName, path: string, { method = 'GET', headers = {}, body }: Call = {}) {
    const payload =
      body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const response = await fetch(`${services[service].url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: payload,
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json } satisfies Reply;
  }

  /** A client error in Nest's shape: never a 5xx, never an HTML page or a bare message. */
  function expectNestError(reply: Reply, status?: number): void {
    expect({ status: reply.status, body: reply.json }).toEqual({
      status: status ?? expect.any(Number),
      body: { statusCode: reply.status, error: expect.any(String), message: expect.anything() },
    });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
  }

  const place = async (sub: string, body: unknown, key: string = randomUUID(), roles: Role[] = ['customer']) =>
    call('order', '/orders', {
      method: 'POST',
      headers: { ...(await authHeaders(sub, roles)), 'idempotency-key': key },
      body,
    });

  const ordersOf = async (customerId: string) =>
    (
      await databases.order.query<{ id: string }>('SELECT id FROM orders WHERE customer_id = $1 ORDER BY id', [
        customerId,
      ])
    ).rows.map((row) => row.id);

  const quietStock = async () =>
    (
      await databases.inventory.query<{ available: number; reserved: number }>(
        'SELECT available, reserved FROM stock_items WHERE sku = $1',
        [quietSku],
      )
    ).rows[0];

  /** What hostile requests must leave alone: the quiet SKU's stock and every fuzz customer's orders. */
  const state = async () => ({
    stock: await quietStock(),
    orders: await Promise.all([alice, bob, mallory].map(ordersOf)),
  });

  beforeAll(async () => {
    const started = await Promise.all(
      SERVICE_NAMES.map((service) =>
        spawnService(
          service,
          { NODE_ENV: 'test', ...(service === 'inventory' ? { FAULT_INJECTION: 'true' } : {}) },
          // The order service logs every request, for the redaction check.
          { logLevel: service === 'order' ? 'info' : 'warn' },
        ),
      ),
    );
    started.forEach((process) => (services[process.service] = process));
    await Promise.all(started.map((process) => waitUntilHealthy(process)));
    for (const service of SERVICE_NAMES) {
      databases[service] = new Client({ connectionString: infra.databaseUrl(service) });
      await databases[service].connect();
    }
    for (const seededSku of [sku, quietSku]) {
      const seeded = await call('inventory', `/inventory/${seededSku}`, {
        method: 'PUT',
        headers: await adminHeaders(),
        body: { available: 100 },
      });
      expect(seeded.status).toBe(200);
    }
    const placed = await place(alice, orderBody());
    expect(placed.status).toBe(202);
    aliceOrder = (placed.json as { orderId: string }).orderId;
    // The saga runs for real, so shipping and notification hold rows owned by alice.
    await waitFor(
      "alice's order to be shipped and notified",
      async () => {
        const admin = await adminHeaders();
        const [shipments, notifications] = await Promise.all([
          call('shipping', `/shipments?orderId=${aliceOrder}`, { headers: admin }),
          call('notification', `/notifications?orderId=${aliceOrder}`, { headers: admin }),
        ]);
        return (shipments.json as unknown[]).length > 0 && (notifications.json as unknown[]).length > 0
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // A row from before owners were recorded: for admins only.
    ownerlessOrder = randomUUID();
    await databases.shipping.query(
      `INSERT INTO shipments (id, order_id, customer_id, status, country) VALUES ($1, $2, NULL, 'BOOKED', 'DE')`,
      [randomUUID(), ownerlessOrder],
    );
  });

  afterAll(async () => {
    await Promise.all(Object.values(databases).map((client) => client.end()));
    await Promise.all(Object.values(services).map((process) => process.stop()));
  });

  const protectedEndpoints: Endpoint[] = [
    { name: 'POST /orders', service: 'order', method: 'POST', path: () => '/orders', body: () => orderBody() },
    { name: 'GET /orders/:id', service: 'order', method: 'GET', path: () => `/orders/${aliceOrder}` },
    {
      name: 'PUT /inventory/:sku',
      service: 'inventory',
      method: 'PUT',
      path: () => `/inventory/${quietSku}`,
      body: () => ({ available: 0 }),
    },
    { name: 'GET /inventory/:sku', service: 'inventory', method: 'GET', path: () => `/inventory/${sku}` },
    { name: 'GET /faults', service: 'inventory', method: 'GET', path: () => '/faults' },
    {
      name: 'PUT /faults/:point',
      service: 'inventory',
      method: 'PUT',
      path: () => '/faults/consumer.after-commit-before-offset-commit',
      body: () => ({ kind: 'crash' }),
    },
    { name: 'DELETE /faults', service: 'inventory', method: 'DELETE', path: () => '/faults' },
    { name: 'GET /shipments', service: 'shipping', method: 'GET', path: () => `/shipments?orderId=${aliceOrder}` },
    {
      name: 'GET /notifications',
      service: 'notification',
      method: 'GET',
      path: () => `/notifications?orderId=${aliceOrder}`,
    },
  ];

  const key = () => new TextEncoder().encode(secret);
  const unsigned = (claims: object) =>
    `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}.`;

  const badAuthorizations: Array<[string, () => Promise<string | undefined>]> = [
    ['no Authorization header', () => Promise.resolve(undefined)],
    ['an empty Authorization header', () => Promise.resolve('')],
    ['the Basic scheme', () => Promise.resolve(`Basic ${Buffer.from(`${alice}:pw`).toString('base64')}`)],
    ['"Bearer" alone', () => Promise.resolve('Bearer')],
    ['a malformed token', () => Promise.resolve('Bearer not.a.jwt')],
    ['two tokens', async () => `${(await authHeaders(alice)).authorization} extra`],
    [
      'an expired token',
      async () => `Bearer ${await signToken(secret, { sub: alice, roles: ['admin'], expiresIn: -60 })}`,
    ],
    ['an unsigned token (alg none)', () => Promise.resolve(`Bearer ${unsigned({ sub: alice, roles: ['admin'] })}`)],
    [
      'a token signed with another secret',
      async () => `Bearer ${await signToken(`${secret}-but-not-quite`, { sub: alice, roles: ['admin'] })}`,
    ],
    [
      'a token without exp',
      async () =>
        `Bearer ${await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject(alice).sign(key())}`,
    ],
    [
      'an HS512 token',
      async () =>
        `Bearer ${await new SignJWT({ roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS512' })
          .setSubject(alice)
          .setExpirationTime('5m')
          .sign(key())}`,
    ],
    [
      'an HMAC token claiming RS256',
      async () => {
        const [, payload, signature] = (await signToken(secret, { sub: alice, roles: ['admin'] })).split('.');
        return `Bearer ${encode({ alg: 'RS256', typ: 'JWT' })}.${payload}.${signature}`;
      },
    ],
    [
      'a token whose roles were raised after signing',
      async () => {
        const [header, , signature] = (await signToken(secret, { sub: alice, roles: ['customer'] })).split('.');
        const raised = encode({ sub: alice, roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 600 });
        return `Bearer ${header}.${raised}.${signature}`;
      },
    ],
    ['an unknown role', async () => `Bearer ${await signToken(secret, { sub: alice, roles: ['root' as Role] })}`],
    ['a huge sub', async () => `Bearer ${await signToken(secret, { sub: 'x'.repeat(5000), roles: ['admin'] })}`],
    ['a sub with a NUL', async () => `Bearer ${await signToken(secret, { sub: `${alice}\u0000`, roles: ['admin'] })}`],
    ['a token longer than 8 KiB', () => Promise.resolve(`Bearer ${'a'.repeat(9000)}.b.c`)],
  ];

  it.each(badAuthorizations)(
    'when every protected endpoint gets %s, then each answers 401 with a Bearer challenge and nothing changes',
    async (_case, authorization) => {
      const before = await state();
      const header = await authorization();
      for (const endpoint of protectedEndpoints) {
        const reply = await call(endpoint.service, endpoint.path(), {
          method: endpoint.method,
          headers: { ...(header === undefined ? {} : { authorization: header }), 'idempotency-key': randomUUID() },
          body: endpoint.body?.(),
        });
        expectNestError(reply, 401);
        expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="[a-z]+"/);
      }
      expect(await state()).toEqual(before);
    },
  );

  it('when an order is at the edges of what is valid, then it is accepted, not refused by the event contract later', async () => {
    const edge = {
      items: [{ sku: `${'S'.repeat(60)}:._-`, quantity: 10_000 }],
      shippingAddress: { country: 'DE', line1: '', city: 'Zürich 🚚', postalCode: '' },
    };
    expect((await place(alice, edge)).status).toBe(202);
  });

  it('when /health, /metrics and /docs are called without a token, then every service answers them', async () => {
    for (const service of SERVICE_NAMES) {
      for (const path of ['/health', '/metrics', '/docs-json']) {
        expect({ service, path, status: (await call(service, path)).status }).toEqual({ service, path, status: 200 });
      }
    }
  });

  it('when a customer calls admin endpoints, then 403 and the stock and faults are untouched', async () => {
    const before = await state();
    const customer = await authHeaders(alice);
    expectNestError(
      await call('inventory', `/inventory/${quietSku}`, { method: 'PUT', headers: customer, body: { available: 0 } }),
      403,
    );
    expectNestError(await call('inventory', '/faults', { headers: customer }), 403);
    expectNestError(
      await call('inventory', '/faults/consumer.after-commit-before-offset-commit', {
        method: 'PUT',
        headers: customer,
        body: { kind: 'crash' },
      }),
      403,
    );
    expect(await state()).toEqual(before);
    const faults = await call('inventory', '/faults', { headers: await adminHeaders() });
    expect(faults).toMatchObject({ status: 200, json: { armed: {} } });
  });

  it('when a token has no role, then it may read stock but not place an order', async () => {
    const roleless = await authHeaders(bob, []);
    expect((await call('inventory', `/inventory/${sku}`, { headers: roleless })).status).toBe(200);
    expectNestError(await place(bob, orderBody(), randomUUID(), []), 403);
    expect(await ordersOf(bob)).toEqual([]);
  });

  it("when someone else asks for alice's order, then 404 exactly as for an order that does not exist", async () => {
    const asBob = await call('order', `/orders/${aliceOrder}`, { headers: await authHeaders(bob) });
    const missing = randomUUID();
    const nowhere = await call('order', `/orders/${missing}`, { headers: await authHeaders(bob) });
    expectNestError(asBob, 404);
    expect((asBob.json as { message: string }).message).toBe(
      (nowhere.json as { message: string }).message.replace(missing, aliceOrder),
    );
    expect((await call('order', `/orders/${aliceOrder}`, { headers: await authHeaders(alice) })).status).toBe(200);
    expect((await call('order', `/orders/${aliceOrder}`, { headers: await adminHeaders() })).status).toBe(200);
  });

  it.each<[ServiceName, string]>([
    ['shipping', 'shipments'],
    ['notification', 'notifications'],
  ])(
    "when someone else lists alice's %s rows, then they get none; alice and admins get hers",
    async (service, path) => {
      const list = async (headers: Record<string, string>, orderId = aliceOrder) =>
        (await call(service, `/${path}?orderId=${orderId}`, { headers })).json as Array<{ customerId: string | null }>;
      expect(await list(await authHeaders(bob))).toEqual([]);
      const own = await list(await authHeaders(alice));
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((row) => row.customerId === alice)).toBe(true);
      expect(await list(await adminHeaders())).toEqual(own);
    },
  );

  it('when a shipment has no recorded owner, then only admins see it', async () => {
    const list = async (headers: Record<string, string>) =>
      (await call('shipping', `/shipments?orderId=${ownerlessOrder}`, { headers })).json as unknown[];
    expect(await list(await authHeaders(alice))).toEqual([]);
    expect(await list(await adminHeaders())).toHaveLength(1);
  });

  it("when a customer orders in another customer's name, then 403 and no order exists for either", async () => {
    const reply = await place(mallory, orderBody(bob));
    expectNestError(reply, 403);
    expect((reply.json as { message: string }).message).toContain('customerId must be the authenticated customer');
    expect(await ordersOf(bob)).toEqual([]);
    expect(await ordersOf(mallory)).toEqual([]);
  });

  it("when mallory squats alice's next Idempotency-Key, then alice's request with it still places her own order", async () => {
    const key = randomUUID();
    const squattedAsAlice = await place(mallory, orderBody(alice), key);
    const squatted = await place(mallory, orderBody(), key);
    const hers = await place(alice, orderBody(), key);
    expectNestError(squattedAsAlice, 403);
    expect(squatted.status).toBe(202);
    expect(hers).toMatchObject({ status: 202 });
    expect(hers.headers.get('idempotent-replayed')).toBeNull();
    const aliceOrderId = (hers.json as { orderId: string }).orderId;
    expect(aliceOrderId).not.toBe((squatted.json as { orderId: string }).orderId);
    expect(await ordersOf(alice)).toContain(aliceOrderId);
    expect(await ordersOf(mallory)).toEqual([(squatted.json as { orderId: string }).orderId]);
    const replay = await place(alice, orderBody(), key);
    expect(replay.json).toEqual(hers.json);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it("when mallory reuses a key alice already used, then she neither replays alice's order nor conflicts with it", async () => {
    const key = randomUUID();
    const hers = await place(alice, orderBody(), key);
    const theirs = await place(mallory, orderBody(), key);
    expect(theirs).toMatchObject({ status: 202 });
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect((theirs.json as { orderId: string }).orderId).not.toBe((hers.json as { orderId: string }).orderId);
  });

  const deep = (depth: number, open: string, close: string, leaf = '1') =>
    `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;

  const hostileBodies: Array<[string, string | Buffer, Record<string, string>?]> = [
    ['truncated JSON', '{"items":'],
    ['not JSON', 'items=1'],
    ['a bare string', '"order"'],
    ['null', 'null'],
    ['a number', '42'],
    ['an array', '[]'],
    ['an empty object', '{}'],
    ['an empty body', ''],
    ['a NUL in a value', JSON.stringify({ ...orderBody(), shippingAddress: { country: 'DE', city: 'a\u0000b' } })],
    ['a NUL in a key', '{"items\\u0000":[],"shippingAddress":{"country":"DE"}}'],
    ['a control character in the SKU', JSON.stringify({ ...orderBody(), items: [{ sku: 'A\u001b[2J', quantity: 1 }] })],
    ['10 000 nested objects', deep(10_000, '{"a":', '}')],
    ['10 000 nested arrays', `{"items":${deep(10_000, '[', ']')}}`],
    ['a body over the size limit', JSON.stringify({ ...orderBody(), padding: 'x'.repeat(70_000) })],
    ['a string where the lines belong', JSON.stringify({ ...orderBody(), items: 'all of them' })],
    ['a null line', JSON.stringify({ ...orderBody(), items: [null] })],
    ['a quantity of 1e309', '{"items":[{"sku":"A","quantity":1e309}],"shippingAddress":{"country":"DE"}}'],
    ['a fractional quantity', JSON.stringify({ ...orderBody(), items: [{ sku, quantity: 1.5 }] })],
    ['a negative quantity', JSON.stringify({ ...orderBody(), items: [{ sku, quantity: -3 }] })],
    ['51 lines', JSON.stringify({ ...orderBody(), items: Array.from({ length: 51 }, () => ({ sku, quantity: 1 })) })],
    ['a 60 KB SKU', JSON.stringify({ ...orderBody(), items: [{ sku: 'S'.repeat(60_000), quantity: 1 }] })],
    ['a SKU with a space', JSON.stringify({ ...orderBody(), items: [{ sku: 'A B', quantity: 1 }] })],
    ['a SKU of 65 characters', JSON.stringify({ ...orderBody(), items: [{ sku: 'S'.repeat(65), quantity: 1 }] })],
    ['a __proto__ key', `{"__proto__":{"admin":true},${JSON.stringify(orderBody()).slice(1)}`],
    ['a constructor key', JSON.stringify({ ...orderBody(), constructor: { prototype: { polluted: true } } })],
    ['an unknown field', JSON.stringify({ ...orderBody(), status: 'COMPLETED' })],
    ['a lowercase country', JSON.stringify({ ...orderBody(), shippingAddress: { country: 'de' } })],
    ['form encoding', 'items=1', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['text/plain', JSON.stringify(orderBody()), { 'content-type': 'text/plain' }],
    ['a UTF-16 charset', JSON.stringify(orderBody()), { 'content-type': 'application/json; charset=utf-16' }],
    ['gzip that is not gzip', 'not gzip at all', { 'content-encoding': 'gzip' }],
    ['an unknown content encoding', JSON.stringify(orderBody()), { 'content-encoding': 'snappy' }],
    [
      'a gzip bomb',
      gzipSync(Buffer.from(JSON.stringify({ ...orderBody(), padding: 'x'.repeat(5_000_000) }))),
      { 'content-encoding': 'gzip' },
    ],
  ];

  it.each(hostileBodies)(
    'when POST /orders, PUT /inventory/:sku and PUT /faults/:point get %s, then 4xx in Nest shape and nothing changes',
    async (_case, body, headers = {}) => {
      const before = await state();
      const order = await call('order', '/orders', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(await authHeaders(mallory)),
          'idempotency-key': randomUUID(),
          ...headers,
        },
        body,
      });
      const inventory = await call('inventory', `/inventory/${quietSku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(await adminHeaders()), ...headers },
        body,
      });
      const fault = await call('inventory', '/faults/consumer.after-commit-before-offset-commit', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(await adminHeaders()), ...headers },
        body,
      });
      expectNestError(order);
      expectNestError(inventory);
      expectNestError(fault);
      expect(await state()).toEqual(before);
    },
  );

  it('when an endpoint is called with a method it does not serve, then 404 in Nest shape', async () => {
    const admin = await adminHeaders();
    const wrong: Array<[ServiceName, string, string]> = [
      ['order', 'DELETE', `/orders/${aliceOrder}`],
      ['order', 'PATCH', '/orders'],
      ['order', 'PUT', `/orders/${aliceOrder}`],
      ['inventory', 'POST', `/inventory/${quietSku}`],
      ['inventory', 'DELETE', `/inventory/${quietSku}`],
      ['shipping', 'POST', '/shipments'],
      ['notification', 'DELETE', `/notifications?orderId=${aliceOrder}`],
      ['order', 'GET', '/admin'],
    ];
    for (const [service, method, path] of wrong) {
      expectNestError(
        await call(service, path, { method, headers: admin, body: method === 'GET' ? undefined : {} }),
        404,
      );
    }
  });

  it('when a body is over the limit, then 413 says the limit', async () => {
    const reply = await place(mallory, { ...orderBody(), padding: 'x'.repeat(70_000) });
    expectNestError(reply, 413);
    expect((reply.json as { message: string }).message).toContain('larger than 65536 bytes');
  });

  it.each([
    ['a NUL', '%00'],
    ['bad percent-encoding', '%E0%A4%A'],
    ['a lone percent sign', '%'],
    ['an encoded slash and dots', '..%2F..%2Fetc%2Fpasswd'],
    ['a space', 'a%20b'],
    ['a leading dash', '-A'],
    ['65 characters', 'S'.repeat(65)],
    ['an 8 KB segment', 'S'.repeat(8192)],
    ['non-ASCII', '%C3%A9t%C3%A9'],
  ])(
    'when the SKU in the path holds %s, then PUT and GET /inventory/:sku answer 4xx and nothing changes',
    async (_case, segment) => {
      const before = await state();
      const admin = await adminHeaders();
      expectNestError(
        await call('inventory', `/inventory/${segment}`, { method: 'PUT', headers: admin, body: { available: 7 } }),
      );
      expectNestError(await call('inventory', `/inventory/${segment}`, { headers: admin }));
      expect(await state()).toEqual(before);
    },
  );

  it.each([
    ['not a UUID', 'not-a-uuid'],
    ['a NUL', '%00'],
    ['bad percent-encoding', '%E0%A4%A'],
    ['a UUID followed by a NUL', `${randomUUID()}%00`],
    ['a version 1 UUID', '00000000-0000-1000-8000-000000000000'],
    ['4000 characters long', 'x'.repeat(4000)],
  ])('when the order id in the path is %s, then GET /orders/:id answers 400', async (_case, id) => {
    expectNestError(await call('order', `/orders/${id}`, { headers: await adminHeaders() }), 400);
  });

  it.each<[string, string]>([
    ['a repeated orderId', `orderId=${randomUUID()}&orderId=${randomUUID()}`],
    [
      'orderId twice with the same value',
      'orderId=3f1c0b8e-7d2a-4f5e-9b6c-1a2b3c4d5e6f&orderId=3f1c0b8e-7d2a-4f5e-9b6c-1a2b3c4d5e6f',
    ],
    ['no orderId', ''],
    ['an empty orderId', 'orderId='],
    ['a NUL', 'orderId=%00'],
    ['bad percent-encoding', 'orderId=%E0%A4%A'],
    ['bracket syntax', `orderId[]=${randomUUID()}`],
    ['a nested object', `orderId[a]=${randomUUID()}`],
    ['a non-UUID', 'orderId=1%20OR%201=1'],
    ['a control character in a parameter name', `orderId=${randomUUID()}&x%01=1`],
  ])('when GET /shipments and /notifications get %s, then 400', async (_case, query) => {
    const admin = await adminHeaders();
    expectNestError(await call('shipping', `/shipments?${query}`, { headers: admin }), 400);
    expectNestError(await call('notification', `/notifications?${query}`, { headers: admin }), 400);
  });

  it.each([
    ['a key of 256 characters', 'k'.repeat(256)],
    ['a quoted key of 256 characters', `"${'k'.repeat(256)}"`],
    ['an 8 KB key', 'k'.repeat(8192)],
    ['a key with parameters', '"abc";v=1'],
    ['two keys', '"a", "b"'],
    ['an unterminated quote', '"abc'],
    ['a non-ASCII key', '"schl\u00fcssel"'],
  ])('when POST /orders gets an Idempotency-Key of %s, then 400 and no order', async (_case, key) => {
    const before = await state();
    expectNestError(await place(mallory, orderBody(), key), 400);
    expect(await state()).toEqual(before);
  });

  /** Sends raw bytes and returns the status code, for what no well-behaved HTTP client would send. */
  function rawStatus(service: ServiceName, request: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = connect(services[service].port, '127.0.0.1');
      let received = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(received);
        if (statusLine) {
          resolve(Number(statusLine[1]));
          socket.destroy();
        }
      });
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed without a status line: ${JSON.stringify(received)}`)));
      socket.write(request, 'latin1');
    });
  }

  it('when headers hold bytes no client sends, then the answer is a 4xx, never a 5xx', async () => {
    const { authorization } = await authHeaders(mallory);
    const body = JSON.stringify(orderBody());
    const post = (headers: string, length = Buffer.byteLength(body)) =>
      `POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: ${authorization}\r\n` +
      `${headers}Content-Length: ${length}\r\nConnection: close\r\n\r\n${body}`;
    const cases: Array<[string, string]> = [
      ['a NUL in the Idempotency-Key', post('Idempotency-Key: abc\u0000def\r\n')],
      ['a NUL in a header name', post('X-Bad\u0000Name: 1\r\nIdempotency-Key: k1\r\n')],
      ['a Content-Length shorter than the body', post('Idempotency-Key: k2\r\n', Buffer.byteLength(body) - 10)],
      ['two Content-Length headers', post(`Content-Length: 3\r\nIdempotency-Key: k3\r\n`)],
      ['a 20 KB header', post(`X-Big: ${'b'.repeat(20_000)}\r\nIdempotency-Key: k4\r\n`)],
      [
        'a NUL in the path',
        `GET /orders/\u0000 HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`,
      ],
    ];
    const before = await state();
    for (const [name, request] of cases) {
      const status = await rawStatus('order', request);
      expect({ name, clientError: status >= 400 && status < 500 }).toEqual({ name, clientError: true });
    }
    expect(await state()).toEqual(before);
  });

  it('when a request carries a token and cookies, then the service log records the request without them', async () => {
    const { authorization } = await authHeaders(alice);
    const cookie = `session=${randomUUID()}`;
    const marker = randomUUID();
    await call('order', `/orders/${aliceOrder}?trace=${marker}`, { headers: { authorization, cookie } });
    const line = await waitFor(
      'the request to be logged',
      () =>
        Promise.resolve(
          services.order
            .output()
            .split('\n')
            .find((entry) => entry.includes(marker)),
        ),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(line).toContain('"authorization":"[redacted]"');
    expect(line).toContain('"cookie":"[redacted]"');
    expect(services.order.output()).not.toContain(authorization.slice('Bearer '.length));
    expect(services.order.output()).not.toContain(cookie);
  });
});
