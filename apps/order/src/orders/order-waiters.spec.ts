import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { ServiceLifecycle } from '@app/consistency';
import type { LongPollOptions } from './long-poll.options';
import { isTerminal } from './order-status';
import { OrderWaiters, otherThan } from './order-waiters';

const ORDER = '3f1c1f7e-8a59-4d52-9d7b-0d5c2f7a9e11';
const OTHER = '9a4e0c55-2b1d-4f6a-8c3e-7d2b1a0f5e22';

function setUp(options: Partial<LongPollOptions> = {}, statuses: Record<string, string> = {}) {
  const queries: unknown[][] = [];
  const dataSource = {
    query: (_sql: string, [ids]: [string[]]) => {
      queries.push(ids);
      return Promise.resolve(ids.filter((id) => statuses[id]).map((id) => ({ id, status: statuses[id] })));
    },
  } as unknown as DataSource;
  const registry = new Registry();
  const lifecycle = new ServiceLifecycle();
  const waiters = new OrderWaiters(
    { maxWaiters: 10, recheckIntervalMs: 1000, ...options },
    dataSource,
    registry,
    lifecycle,
  );
  const metric = async (name: string, outcome?: string) =>
    (await registry.getSingleMetric(name)?.get())?.values.find((value) => value.labels.outcome === outcome)?.value;
  return { waiters, queries, metric, lifecycle };
}

const client = () => new AbortController();

describe('OrderWaiters', () => {
  afterEach(() => jest.useRealTimers());

  it('when this instance commits another status, then the wait ends as changed', async () => {
    const { waiters } = setUp();
    const watch = waiters.watch(ORDER)!;
    const waiting = watch.next(otherThan('PENDING'), 10_000, client().signal);
    waiters.changed(OTHER, 'COMPLETED');
    waiters.changed(ORDER, 'STOCK_RESERVED');
    await expect(waiting).resolves.toBe('changed');
  });

  it('when the change was committed between watching and the first read, then the wait ends at once', async () => {
    const { waiters } = setUp();
    const watch = waiters.watch(ORDER)!;
    waiters.changed(ORDER, 'STOCK_RESERVED');
    await expect(watch.next(otherThan('PENDING'), 10_000, client().signal)).resolves.toBe('changed');
  });

  it('when only the status the request already saw is heard, then the wait runs until its time is up', async () => {
    jest.useFakeTimers();
    const { waiters } = setUp();
    const watch = waiters.watch(ORDER)!;
    waiters.changed(ORDER, 'PENDING');
    let outcome: string | undefined;
    void watch.next(otherThan('PENDING'), 5000, client().signal).then((result) => (outcome = result));
    waiters.changed(ORDER, 'PENDING');
    await jest.advanceTimersByTimeAsync(4999);
    expect(outcome).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(outcome).toBe('expired');
  });

  it('when the wait is for the outcome, then intermediate statuses pass it by and a terminal one ends it', async () => {
    const { waiters } = setUp();
    const watch = waiters.watch(ORDER)!;
    waiters.changed(ORDER, 'STOCK_RESERVED');
    let outcome: string | undefined;
    const waiting = watch.next(isTerminal, 10_000, client().signal).then((result) => (outcome = result));
    waiters.changed(ORDER, 'COMPENSATING');
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    waiters.changed(ORDER, 'CANCELLED');
    await expect(waiting).resolves.toBe('changed');
  });

  it('when the outcome was heard before the wait for it, then the wait ends at once', async () => {
    const { waiters } = setUp();
    const watch = waiters.watch(ORDER)!;
    waiters.changed(ORDER, 'COMPLETED');
    await expect(watch.next(isTerminal, 10_000, client().signal)).resolves.toBe('changed');
  });

  it('when the client goes away, then the wait ends as disconnected', async () => {
    const { waiters } = setUp();
    const gone = client();
    const waiting = waiters.watch(ORDER)!.next(otherThan('PENDING'), 10_000, gone.signal);
    gone.abort();
    await expect(waiting).resolves.toBe('disconnected');
  });

  it('when the instance holds as many waits as allowed, then the next is refused until one ends', async () => {
    const { waiters, metric } = setUp({ maxWaiters: 2 });
    const first = waiters.watch(ORDER)!;
    expect(waiters.watch(OTHER)).toBeDefined();
    expect(waiters.watch(ORDER)).toBeUndefined();
    expect(await metric('order_long_poll_waiters')).toBe(2);
    waiters.unwatch(first, 'expired');
    waiters.unwatch(first, 'expired');
    expect(waiters.watch(ORDER)).toBeDefined();
    expect(await metric('order_long_polls_total', 'over_capacity')).toBe(1);
    expect(await metric('order_long_polls_total', 'expired')).toBe(1);
  });

  it('when the service shuts down, then every wait ends at once and no new one starts', async () => {
    const { waiters } = setUp();
    const waiting = waiters.watch(ORDER)!.next(otherThan('PENDING'), 10_000, client().signal);
    const later = waiters.watch(OTHER)!;
    await waiters.onModuleDestroy();
    await expect(waiting).resolves.toBe('shutdown');
    await expect(later.next(otherThan('PENDING'), 10_000, client().signal)).resolves.toBe('shutdown');
    expect(waiters.watch(ORDER)).toBeUndefined();
  });

  it('when another instance changed a watched order, then one recheck of all watched orders wakes its waits', async () => {
    jest.useFakeTimers();
    const { waiters, queries } = setUp({ recheckIntervalMs: 1000 }, { [ORDER]: 'COMPLETED', [OTHER]: 'PENDING' });
    waiters.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(1000);
    expect(queries).toEqual([]);
    const changed = waiters.watch(ORDER)!.next(otherThan('PENDING'), 10_000, client().signal);
    const unchanged = waiters.watch(OTHER)!.next(otherThan('PENDING'), 10_000, client().signal);
    waiters.watch(ORDER);
    await jest.advanceTimersByTimeAsync(1000);
    expect(queries).toEqual([[ORDER, OTHER]]);
    await expect(changed).resolves.toBe('changed');
    await waiters.onModuleDestroy();
    await expect(unchanged).resolves.toBe('shutdown');
  });

  it('when shutdown begins, then held waits end at once, before the server drains its requests', async () => {
    const { waiters, lifecycle } = setUp();
    const watch = waiters.watch(ORDER);
    const waiting = watch?.next(otherThan('PENDING'), 60_000, client().signal);
    lifecycle.markDraining();
    await expect(waiting).resolves.toBe('shutdown');
    expect(waiters.watch(OTHER)).toBeUndefined();
  });
});
