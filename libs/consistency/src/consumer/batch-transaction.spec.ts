import { randomUUID } from 'node:crypto';
import { EventEnvelope } from '@app/contracts';
import { TransactionHost } from '../transaction/transaction-host';
import { BatchLocks } from './batch-locks';
import { BatchEntryError, handleInOneTransaction } from './batch-transaction';

/** A transaction whose inbox already holds `seen`; the real one is covered in test/messaging. */
function fakeTransaction(seen: string[]) {
  const inbox = new Set(seen);
  const connection = {
    query: ({ values: [, , ids] }: { values: [string[], string, string[]] }) =>
      Promise.resolve({ rows: ids.filter((id) => !inbox.has(id) && inbox.add(id)).map((id) => ({ event_id: id })) }),
  };
  const host = {
    run: <T>(work: () => Promise<T>) => work(),
    manager: { queryRunner: { connect: () => Promise.resolve(connection) } },
  } as unknown as TransactionHost;
  return host;
}

const entry = (id = randomUUID()) => ({ envelope: { id, orderId: randomUUID() } as EventEnvelope });

describe('handleInOneTransaction', () => {
  it('when a batch holds new events, recorded ones and an id twice, then only the first copy of each new event is handled, in order', async () => {
    const [fresh, recorded, later] = [entry(), entry(), entry()];
    const handled: string[] = [];
    const outcomes = await handleInOneTransaction([fresh, recorded, fresh, later], {
      transactions: fakeTransaction([recorded.envelope.id]),
      groupId: 'g',
      handle: (item) => Promise.resolve(void handled.push(item.envelope.id)),
    });
    expect(outcomes).toEqual(['processed', 'duplicate', 'duplicate', 'processed']);
    expect(handled).toEqual([fresh.envelope.id, later.envelope.id]);
  });

  it('when the service has batch locks, then they are taken once for the new events before any handler runs', async () => {
    const [fresh, recorded] = [entry(), entry()];
    const calls: string[] = [];
    const locks = new (class extends BatchLocks {
      lock(events: readonly EventEnvelope[]): Promise<void> {
        calls.push(`lock ${events.map((event) => event.id).join(',')}`);
        return Promise.resolve();
      }
    })();
    await handleInOneTransaction([recorded, fresh], {
      transactions: fakeTransaction([recorded.envelope.id]),
      groupId: 'g',
      locks,
      handle: (item) => Promise.resolve(void calls.push(`handle ${item.envelope.id}`)),
    });
    expect(calls).toEqual([`lock ${fresh.envelope.id}`, `handle ${fresh.envelope.id}`]);
  });

  it('when a handler throws, then the error names its entry and the handlers after it do not run', async () => {
    const [first, failing, after] = [entry(), entry(), entry()];
    const handled: string[] = [];
    const cause = new Error('boom');
    const result = handleInOneTransaction([first, failing, after], {
      transactions: fakeTransaction([]),
      groupId: 'g',
      handle: (item) => {
        handled.push(item.envelope.id);
        return item === failing ? Promise.reject(cause) : Promise.resolve();
      },
    });
    await expect(result).rejects.toEqual(expect.objectContaining({ entry: failing, cause }));
    await expect(result).rejects.toBeInstanceOf(BatchEntryError);
    expect(handled).toEqual([first.envelope.id, failing.envelope.id]);
  });
});
