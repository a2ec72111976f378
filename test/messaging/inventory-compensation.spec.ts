import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { EventPayloads, EventType, Topics } from '@app/contracts';
import { toOutboxMessage } from '@app/consistency/tools';
import { putStock } from '../../scripts/http/saga-requests';
import { waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';
import { TopicReader } from '../../scripts/kafka/topic-reader';
import { metricValue, scrape } from '../support/metrics';

/** The inventory service as a real process, fed saga events straight onto the topics, in any order. */
describe('inventory reservation and its compensation through the barrier', () => {
  const infra = testInfra();
  const kafka = new Kafka({
    clientId: 'inventory-barrier-test',
    brokers: infra.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const sku = `BARRIER-${randomUUID().slice(0, 8)}`;
  let inventory: ServiceProcess;
  let producer: Producer;
  let database: Client;
  let inventoryEvents: TopicReader;

  beforeAll(async () => {
    inventory = await spawnService('inventory');
    await waitUntilHealthy(inventory);
    await putStock(inventory.url, sku, 10);
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    database = new Client({ connectionString: infra.databaseUrl('inventory') });
    await database.connect();
    inventoryEvents = await new TopicReader(infra.kafkaBrokers, Topics.inventory).start();
  });

  afterAll(async () => {
    await inventoryEvents?.stop();
    await database?.end();
    await producer?.disconnect();
    await inventory?.stop();
  });

  async function publish<T extends EventType>(type: T, orderId: string, payload: EventPayloads[T]): Promise<string> {
    const { envelope, message } = toOutboxMessage({ type, orderId, payload });
    await producer.send({
      topic: envelope.type.startsWith('shipping.') ? Topics.shipping : Topics.order,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
    return envelope.id;
  }

  const created = (orderId: string, quantity: number) =>
    publish('order.created', orderId, {
      customerId: 'barrier',
      items: [{ sku, quantity }],
      shippingAddress: { country: 'DE' },
    });

  async function processed(...eventIds: string[]): Promise<void> {
    await waitFor(
      'inventory to process the events',
      async () => {
        const { rows } = await database.query('SELECT 1 FROM inbox WHERE event_id = ANY($1)', [eventIds]);
        return rows.length === eventIds.length ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  async function stock() {
    const { rows } = await database.query<{ available: number; reserved: number }>(
      'SELECT available, reserved FROM stock_items WHERE sku = $1',
      [sku],
    );
    return rows[0];
  }

  const eventsOf = (orderId: string) =>
    inventoryEvents.messages
      .filter((message) => message.key === orderId)
      .map((message) => (JSON.parse(message.value) as { type: string }).type);

  it('when shipping fails, then the reservation is released once even if the failure and a cancellation repeat', async () => {
    const orderId = randomUUID();
    await processed(await created(orderId, 3));
    expect(await stock()).toEqual({ available: 7, reserved: 3 });

    await processed(
      await publish('shipping.failed', orderId, { reason: 'carrier down' }),
      await publish('shipping.failed', orderId, { reason: 'carrier down' }),
      await publish('order.cancelled', orderId, { reason: 'shipping failed' }),
    );
    expect(await stock()).toEqual({ available: 10, reserved: 0 });
    await inventoryEvents.waitUntil('inventory.released', () => eventsOf(orderId).includes('inventory.released'));
    expect(eventsOf(orderId)).toEqual(['inventory.reserved', 'inventory.released']);
  });

  it('when the cancellation arrives before the order (hanging), then no stock is reserved and nothing is emitted', async () => {
    const orderId = randomUUID();
    await processed(await publish('order.cancelled', orderId, { reason: 'customer changed their mind' }));
    await processed(await created(orderId, 4));
    expect(await stock()).toEqual({ available: 10, reserved: 0 });
    const { rows } = await database.query('SELECT 1 FROM reservations WHERE order_id = $1', [orderId]);
    expect(rows).toHaveLength(0);
    expect(eventsOf(orderId)).toEqual([]);
  });

  it('when a compensation arrives poisoned, then it is dead-lettered and /metrics marks it a compensation; a poisoned forward step is not', async () => {
    const compensation = {
      topic: Topics.shipping,
      event_type: 'shipping.failed',
      reason: 'poison',
      compensation: 'true',
    };
    const forward = { topic: Topics.order, event_type: 'order.created', reason: 'poison', compensation: 'false' };
    const before = await scrape(inventory.url);
    // Both series exist before the first dead letter, so an alert's increase() sees it.
    const compensationsBefore = metricValue(before, 'consumer_dead_letters_total', compensation);
    const forwardBefore = metricValue(before, 'consumer_dead_letters_total', forward);
    expect(compensationsBefore).toBeDefined();
    expect(forwardBefore).toBeDefined();

    await publish('shipping.failed', randomUUID(), { reason: 42 } as unknown as EventPayloads['shipping.failed']);
    await publish('order.created', randomUUID(), { customerId: 7 } as unknown as EventPayloads['order.created']);
    // At least: a poisoned message left on the topics by an earlier suite would count too.
    await waitFor(
      'inventory to dead-letter both, each under its own label',
      async () => {
        const text = await scrape(inventory.url);
        const forwardNow = metricValue(text, 'consumer_dead_letters_total', forward) ?? 0;
        const compensationsNow = metricValue(text, 'consumer_dead_letters_total', compensation) ?? 0;
        return forwardNow > forwardBefore! && compensationsNow > compensationsBefore! ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  });
});
