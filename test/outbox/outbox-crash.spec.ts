import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { FaultPoint } from '@app/consistency/tools';
import { Topics } from '@app/contracts';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { serviceBacklog } from '../../scripts/stack/backlog';
import { waitFor } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';
import { armFault, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { TopicReader } from '../../scripts/kafka/topic-reader';

const order = {
  customerId: 'crash-test',
  items: [{ sku: 'SKU-CRASH', quantity: 1 }],
  shippingAddress: { country: 'DE' },
};

/** The order service as a real process, killed by SIGKILL at the relay's named fault points. */
describe('outbox relay under SIGKILL', () => {
  const infra = testInfra();
  let reader: TopicReader;
  let database: Client;

  beforeAll(async () => {
    reader = await new TopicReader(infra.kafkaBrokers, Topics.order).start();
    database = new Client({ connectionString: infra.databaseUrl('order') });
    await database.connect();
  });

  afterAll(async () => {
    await reader?.stop();
    await database?.end();
  });

  /**
   * Arms the crash once the service is idle, so the crash hits our order's event and not a dead
   * letter of some earlier suite's leftovers that the service's consumer or relay is still handling.
   */
  async function placeOrderThenDie(faultPoint: FaultPoint): Promise<string> {
    const service = await spawnService('order', { FAULT_INJECTION: 'true' });
    await waitUntilHealthy(service);
    await waitFor(
      'the order service to be idle',
      async () => ((await serviceBacklog(database, infra.kafkaBrokers, 'order')) === 0 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    await armFault(service.url, faultPoint, { kind: 'crash' });
    const response = await fetch(`${service.url}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        ...(await authHeaders(order.customerId)),
      },
      body: JSON.stringify(order),
    });
    expect(response.status).toBe(202);
    const { orderId } = (await response.json()) as { orderId: string };
    await service.exited;
    expect(service.child.signalCode).toBe('SIGKILL');
    return orderId;
  }

  async function outboxRow(orderId: string) {
    const { rows } = await database.query<{ status: string; event_id: string }>(
      `SELECT status, event_id FROM outbox WHERE message_key = $1 AND event_type = 'order.created'`,
      [orderId],
    );
    return rows;
  }

  const eventsOf = (orderId: string) => reader.messages.filter((message) => message.key === orderId);

  it('when killed after commit and before publish, then the event is published after restart', async () => {
    const orderId = await placeOrderThenDie('outbox.after-commit-before-publish');
    expect(await outboxRow(orderId)).toEqual([expect.objectContaining({ status: 'PENDING' })]);
    expect(eventsOf(orderId)).toHaveLength(0);

    const restarted = await spawnService('order');
    try {
      await reader.waitUntil('order.created of the crashed order', () => eventsOf(orderId).length > 0);
      expect(eventsOf(orderId)).toHaveLength(1);
      expect(JSON.parse(eventsOf(orderId)[0].value)).toMatchObject({ type: 'order.created', orderId });
    } finally {
      await restarted.stop();
    }
  });

  it('when killed after publish and before marking, then the same event is published again after restart', async () => {
    const orderId = await placeOrderThenDie('outbox.after-publish-before-mark');
    await reader.waitUntil('the first copy', () => eventsOf(orderId).length === 1);
    const [row] = await outboxRow(orderId);
    expect(row.status).toBe('PENDING');

    const restarted = await spawnService('order');
    try {
      await reader.waitUntil('the second copy', () => eventsOf(orderId).length === 2);
      expect(eventsOf(orderId).map((message) => message.headers['event-id'])).toEqual([row.event_id, row.event_id]);
      await waitUntilHealthy(restarted);
      expect((await outboxRow(orderId))[0].status).toBe('PUBLISHED');
    } finally {
      await restarted.stop();
    }
  });
});
