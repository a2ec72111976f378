import { TransactionBuffer } from './transaction-buffer';
import { TransactionHost } from './transaction-host';

/** Two interleaved fake transactions; the real one is covered by the outbox and saga suites. */
function fakeHost() {
  const beforeCommit = new Map<object, Array<() => Promise<void>>>();
  let current: object = {};
  const host = {
    get manager() {
      return current;
    },
    beforeCommit: (callback: () => Promise<void>) => {
      const callbacks = beforeCommit.get(current) ?? [];
      if (!callbacks.includes(callback)) {
        callbacks.push(callback);
      }
      beforeCommit.set(current, callbacks);
    },
  } as unknown as TransactionHost;
  return {
    host,
    begin: () => (current = {}),
    use: (transaction: object) => (current = transaction),
    commit: async () => {
      for (const callback of beforeCommit.get(current) ?? []) {
        await callback();
      }
    },
  };
}

describe('TransactionBuffer', () => {
  it('when two transactions add rows, then each commit writes only its own, in the order added, in one write', async () => {
    const writes: string[][] = [];
    const { host, begin, use, commit } = fakeHost();
    const buffer = new TransactionBuffer<string>(host, (rows) => Promise.resolve(void writes.push(rows)));
    const first = begin();
    buffer.add('a1');
    const second = begin();
    buffer.add('b1');
    use(first);
    buffer.add('a2');
    await commit();
    use(second);
    await commit();
    expect(writes).toEqual([['a1', 'a2'], ['b1']]);
  });

  it('when a transaction flushes before reading, then the commit writes only what was added after', async () => {
    const writes: string[][] = [];
    const { host, begin, commit } = fakeHost();
    const buffer = new TransactionBuffer<string>(host, (rows) => Promise.resolve(void writes.push(rows)));
    begin();
    buffer.add('before-read');
    await buffer.flush();
    buffer.add('after-read');
    await commit();
    expect(writes).toEqual([['before-read'], ['after-read']]);
  });
});
