import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@app/contracts';
import { toOutboxMessage } from '@app/consistency/tools';
import { waitFor } from '../../scripts/infra/run-command';
import { putStock } from '../../scripts/http/saga-requests';
import { armFault, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';
import { TopicReader } from '../../scripts/kafka/topic-reader';
import { serviceBacklog } from '../../scripts/stack/backlog';

/** The inventory service as a real process, SIGKILLed after its transaction commits but before its offset does. */
describe('consumer killed between the database commit and the offset commit', () => {
  const infra = testInfra();
  const kafka = new Kafka({ clientId: 'consumer-crash-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const sku = `CRASH-${randomUUID().slice(0, 8)}`;
  let database: Client;
  let reserved: TopicReader;

  beforeAll(async () => {
    database = new Client({ connectionString: infra.databaseUrl('inventory') });
    await database.connect();
    reserved = await new TopicReader(infra.kafkaBrokers, Topics.inventory).start();
  });

  afterAll(async () => {
    await reserved?.stop();
    await database?.end();
  });

  /** Waits until inventory has consumed everything on its topics and published its events, so ours is next. */
  async function caughtUp(): Promise<void> {
    await waitFor(
      'inventory to consume the backlog',
      async () => ((await serviceBacklog(database, infra.kafkaBrokers, 'inventory')) === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }

  async function stock(): Promise<{ available: number; reserved: number }> {
    const { rows } = await database.query<{ available: number; reserved: number }>(
      'SELECT available, reserved FROM stock_items WHERE sku = $1',
      [sku],
    );
    return rows[0];
  }

  it('when inventory is killed after reserving and before committing the offset, then the redelivery is a no-op', async () => {
    const crashing = await spawnService('inventory', { FAULT_INJECTION: 'true' });
    await waitUntilHealthy(crashing);
    await putStock(crashing.url, sku, 5);
    await caughtUp();
    await armFault(crashing.url, 'consumer.after-commit-before-offset-commit', { kind: 'crash' });
    const orderId = randomUUID();
    const { message } = toOutboxMessage({
      type: 'order.created',
      orderId,
      payload: { customerId: 'crash', items: [{ sku, quantity: 2 }], shippingAddress: { country: 'DE' } },
    });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: Topics.order,
      acks: -1,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
    await producer.disconnect();
    await crashing.exited;
    expect(crashing.child.signalCode).toBe('SIGKILL');
    expect(await stock()).toEqual({ available: 3, reserved: 2 });

    const restarted = await spawnService('inventory');
    try {
      await waitUntilHealthy(restarted);
      await waitFor(
        'the redelivered event to be recognised as a duplicate',
        async () => {
          const metrics = await (await fetch(`${restarted.url}/metrics`)).text();
          return /consumer_messages_total\{[^}]*outcome="duplicate"[^}]*\} [1-9]/.test(metrics) ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      await caughtUp();
      expect(await stock()).toEqual({ available: 3, reserved: 2 });
      await reserved.waitUntil('inventory.reserved for the order', (messages) =>
        messages.some((m) => m.key === orderId),
      );
      const events = reserved.messages.filter((m) => m.key === orderId);
      expect(events.map((m) => (JSON.parse(m.value) as { type: string }).type)).toEqual(['inventory.reserved']);
      expect(JSON.parse(events[0].value)).toMatchObject({
        causationId: JSON.parse(message.value).id,
        correlationId: orderId,
      });
    } finally {
      await restarted.stop();
    }
  });
});
