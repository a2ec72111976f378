import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { EventPayloads, EventType } from '@app/contracts';
import { toOutboxMessage } from '@app/consistency/tools';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { runCommand, waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';

interface OrderView {
  status: string;
  failureReason?: string;
  saga: Array<{ step: string; status: string }>;
}

const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

/** The order service alone, fed its saga's replies straight onto the topics in awkward orders. */
describe('order saga under reordered and duplicated replies', () => {
  const infra = testInfra();
  const kafka = new Kafka({ clientId: 'reordering-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  let order: ServiceProcess;
  let producer: Producer;

  beforeAll(async () => {
    order = await spawnService('order', { SAGA_STEP_TIMEOUT_MS: '120000' });
    await waitUntilHealthy(order);
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await order?.stop();
  });

  async function placeOrder(): Promise<string> {
    const response = await fetch(`${order.url}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        ...(await authHeaders('reordering')),
      },
      body: JSON.stringify({
        customerId: 'reordering',
        items: [{ sku: `NOWHERE-${randomUUID()}`, quantity: 1 }],
        shippingAddress: { country: 'DE' },
      }),
    });
    return ((await response.json()) as { orderId: string }).orderId;
  }

  async function reply<T extends EventType>(type: T, orderId: string, payload: EventPayloads[T]): Promise<void> {
    const { message } = toOutboxMessage({ type, orderId, payload });
    await producer.send({
      topic: message.topic,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
  }

  const view = async (orderId: string) =>
    (await (
      await fetch(`${order.url}/orders/${orderId}`, { headers: await authHeaders('reordering') })
    ).json()) as OrderView;

  async function untilSaga(orderId: string, entries: number): Promise<OrderView> {
    return waitFor(
      `${entries} saga entries of ${orderId}`,
      async () => {
        const current = await view(orderId);
        return current.saga.length >= entries ? current : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  const items = [{ sku: 'X', quantity: 1 }];
  const shippingAddress = { country: 'DE' };

  it('when inventory.released arrives before shipping.failed, then the order is cancelled with the shipping reason', async () => {
    const orderId = await placeOrder();
    await reply('inventory.reserved', orderId, { items, shippingAddress });
    await untilSaga(orderId, 2);
    await reply('inventory.released', orderId, { items });
    await untilSaga(orderId, 3);
    await reply('shipping.failed', orderId, { reason: 'carrier down' });
    const final = await untilSaga(orderId, 5);
    expect(final).toMatchObject({ status: 'CANCELLED', failureReason: 'carrier down' });
    expect(final.saga.map((s) => `${s.step}:${s.status}`)).toEqual([
      'order:PENDING',
      'inventory:RESERVED',
      'inventory:RELEASED',
      'shipping:FAILED',
      'order:CANCELLED',
    ]);
  });

  it('when shipping.scheduled arrives before inventory.reserved and twice, then the order completes once', async () => {
    const orderId = await placeOrder();
    const shipmentId = randomUUID();
    await reply('shipping.scheduled', orderId, { shipmentId, carrierReference: 'REF' });
    await reply('shipping.scheduled', orderId, { shipmentId, carrierReference: 'REF' });
    await untilSaga(orderId, 4);
    await reply('inventory.reserved', orderId, { items, shippingAddress });
    const final = await untilSaga(orderId, 5);
    expect(final.status).toBe('COMPLETED');
    expect(final.saga.filter((s) => s.step === 'order' && s.status === 'COMPLETED')).toHaveLength(1);
    expect(final.saga.filter((s) => s.step === 'inventory')).toHaveLength(1);
  });

  it('when a late rejection arrives after completion, then the completed order stays completed', async () => {
    const orderId = await placeOrder();
    await reply('inventory.reserved', orderId, { items, shippingAddress });
    await reply('shipping.scheduled', orderId, { shipmentId: randomUUID(), carrierReference: 'REF' });
    await untilSaga(orderId, 4);
    await reply('inventory.rejected', orderId, { reason: 'too late' });
    const final = await untilSaga(orderId, 5);
    expect(final).toMatchObject({ status: 'COMPLETED' });
    expect(final.failureReason).toBeUndefined();
  });

  it('when a reply names an order that does not exist, then it is dead-lettered at once as poison', async () => {
    const stranger = randomUUID();
    await reply('inventory.reserved', stranger, { items, shippingAddress });
    const letter = await waitFor(
      'the dead letter of the stranger reply',
      async () => {
        const listing = await runCommand(process.execPath, [...TS_NODE, 'scripts/dlq.ts', 'list', 'inventory.events'], {
          cwd: REPO_ROOT,
        });
        const lines = listing.output.split('\n');
        const error = lines.findIndex((line) => line.includes(stranger));
        return error > 0 ? `${lines[error - 1]}\n${lines[error]}` : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1000 },
    );
    expect(letter).toMatch(/reason=poison/);
    expect(letter).toMatch(/attempts=1/);
    expect(letter).toMatch(/PoisonMessageError: inventory RESERVED for order .+, which does not exist/);
  });
});
