import { EntityManager } from 'typeorm';
import { TransactionHost } from '../transaction/transaction-host';
import { loadOutboxOptions } from './outbox.options';
import { randomUUID } from 'node:crypto';
import { EventTooLargeError, InvalidEventError } from './outbox-message';
import { OutboxService } from './outbox.service';
import { OutboxSignal } from './outbox-signal';

/** A fake transaction that records the SQL it was given; the real one is covered in test/outbox. */
function fakeTransaction() {
  const queries: unknown[][] = [];
  const afterCommit: Array<() => void> = [];
  const host = {
    manager: { query: (sql: string, params: unknown[]) => Promise.resolve(queries.push([sql, params])) },
    afterCommit: (callback: () => void) => afterCommit.push(callback),
  } as unknown as TransactionHost & { manager: EntityManager };
  return { host, queries, afterCommit };
}

describe('OutboxService', () => {
  const options = loadOutboxOptions({ OUTBOX_MAX_MESSAGE_BYTES: '2000' });

  it('when an event is enqueued, then one outbox row is inserted and relays are woken after commit', async () => {
    const { host, queries, afterCommit } = fakeTransaction();
    const signal = new OutboxSignal();
    let woken = 0;
    signal.onCommitted(() => (woken += 1));
    const envelope = await new OutboxService(host, options, signal).enqueue({
      type: 'inventory.rejected',
      orderId: randomUUID(),
      payload: { reason: 'unknown sku' },
    });
    expect(queries).toHaveLength(1);
    expect(queries[0][1]).toEqual(expect.arrayContaining([envelope.id, 'inventory.rejected', 'inventory.events']));
    expect(woken).toBe(0);
    afterCommit.forEach((callback) => callback());
    expect(woken).toBe(1);
  });

  it('when an event exceeds OUTBOX_MAX_MESSAGE_BYTES, then enqueue rejects it and writes nothing', async () => {
    const { host, queries } = fakeTransaction();
    const service = new OutboxService(host, options, new OutboxSignal());
    await expect(
      service.enqueue({
        type: 'inventory.released',
        orderId: randomUUID(),
        payload: { items: Array.from({ length: 50 }, (_, i) => ({ sku: `${'S'.repeat(60)}-${i}`, quantity: 1 })) },
      }),
    ).rejects.toThrow(EventTooLargeError);
    expect(queries).toHaveLength(0);
  });

  it.each([
    ['a payload its consumers would reject', { type: 'order.completed', orderId: randomUUID(), payload: {} }],
    ['an order id that is not a UUID', { type: 'order.cancelled', orderId: 'order-2', payload: { reason: 'r' } }],
    [
      'a causation id that is not a UUID',
      { type: 'order.cancelled', orderId: randomUUID(), causationId: 'c', payload: { reason: 'r' } },
    ],
  ])('when enqueueing %s, then enqueue refuses it and writes nothing', async (_case, event) => {
    const { host, queries } = fakeTransaction();
    const service = new OutboxService(host, options, new OutboxSignal());
    await expect(service.enqueue(event as Parameters<OutboxService['enqueue']>[0])).rejects.toThrow(InvalidEventError);
    expect(queries).toHaveLength(0);
  });
});
