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
  const beforeCommit: Array<() => Promise<void>> = [];
  const afterCommit: Array<() => void> = [];
  const connection = {
    query: ({ text, values }: { text: string; values: unknown[] }) => {
      queries.push([text, values]);
      const [eventIds, , , , , , , held] = values as [string[], ...unknown[]];
      return Promise.resolve({
        rows: eventIds.map((eventId, index) => ({
          id: String(index + 1),
          event_id: eventId,
          created_at: new Date(),
          held,
        })),
      });
    },
  };
  const manager = { queryRunner: { connect: () => Promise.resolve(connection) } };
  const host = {
    manager,
    beforeCommit: (callback: () => Promise<void>) => !beforeCommit.includes(callback) && beforeCommit.push(callback),
    afterCommit: (callback: () => void) => !afterCommit.includes(callback) && afterCommit.push(callback),
  } as unknown as TransactionHost & { manager: EntityManager };
  const commit = async () => {
    for (const callback of beforeCommit) {
      await callback();
    }
    afterCommit.forEach((callback) => callback());
  };
  return { host, queries, commit };
}

const rejected = (reason: string) => ({
  type: 'inventory.rejected' as const,
  orderId: randomUUID(),
  payload: { reason },
});

/** A signal that counts relay wake-ups and, given `ready`, records the rows handed to this process's relay. */
function watchedSignal(ready?: boolean) {
  const signal = new OutboxSignal();
  const seen = { woken: 0, handed: [] as string[][] };
  signal.onCommitted(() => (seen.woken += 1));
  if (ready !== undefined) {
    signal.publishAfterCommit({
      ready: () => ready,
      publish: (rows) => seen.handed.push(rows.map((row) => row.eventId)),
    });
  }
  return { signal, seen };
}

describe('OutboxService', () => {
  const options = loadOutboxOptions({ OUTBOX_MAX_MESSAGE_BYTES: '2000' });

  it('when events are enqueued, then their rows go in one INSERT before commit, in order, and relays are woken after it', async () => {
    const { host, queries, commit } = fakeTransaction();
    const { signal, seen } = watchedSignal();
    const service = new OutboxService(host, options, signal);
    const first = await service.enqueue(rejected('a'));
    const second = await service.enqueue(rejected('b'));
    expect(queries).toHaveLength(0);
    await commit();
    expect(queries).toHaveLength(1);
    const [eventIds, types, topics] = queries[0][1] as string[][];
    expect(eventIds).toEqual([first.id, second.id]);
    expect(types).toEqual(['inventory.rejected', 'inventory.rejected']);
    expect(topics).toEqual(['inventory.events', 'inventory.events']);
    expect(seen.woken).toBe(1);
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

  it("when this process's relay sends committed rows itself, then the rows are held for it, handed over after commit in order, and no relay is woken", async () => {
    const { host, queries, commit } = fakeTransaction();
    const { signal, seen } = watchedSignal(true);
    const service = new OutboxService(host, options, signal);
    const first = await service.enqueue(rejected('a'));
    const second = await service.enqueue(rejected('b'));
    expect(seen.handed).toEqual([]);
    await commit();
    expect(queries[0][1]).toContain(true);
    expect(seen.handed).toEqual([[first.id, second.id]]);
    expect(seen.woken).toBe(0);
  });

  it('when the relay is not ready (the broker is in trouble), then nothing is held and the relays are woken', async () => {
    const { host, queries, commit } = fakeTransaction();
    const { signal, seen } = watchedSignal(false);
    await new OutboxService(host, options, signal).enqueue(rejected('a'));
    await commit();
    expect(queries[0][1]).toContain(false);
    expect(seen.handed).toEqual([]);
    expect(seen.woken).toBe(1);
  });
});
