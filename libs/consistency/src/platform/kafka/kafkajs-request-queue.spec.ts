import { createRequire } from 'node:module';

/** The part of kafkajs's per-connection request queue that `patches/kafkajs+2.2.4.patch` changes. */
interface RequestQueue {
  pending: Array<{ send(): void; expectResponse: boolean; correlationId: number }>;
  throttledUntil: number;
  checkPendingRequests(): void;
  destroy(): void;
}

type RequestQueueClass = new (options: { logger: { debug(): void }; clientId: string; broker: string }) => RequestQueue;

const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as RequestQueueClass;

/**
 * Every broker connection has a request queue. Unpatched, kafkajs 2.2.4 re-arms a 1 ms timer
 * forever once its queue is empty (kafkajs#1556): each idle connection of each service spins.
 */
describe('kafkajs request queue (patched)', () => {
  let queue: RequestQueue;

  beforeEach(() => {
    jest.useFakeTimers();
    queue = new RequestQueue({ logger: { debug: () => undefined }, clientId: 'spec', broker: 'localhost:9092' });
  });

  afterEach(() => {
    queue.destroy();
    jest.useRealTimers();
  });

  it('when nothing is pending, then checking the queue leaves no timer behind', () => {
    queue.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('when the broker throttles and nothing is pending, then no timer is armed either', () => {
    queue.throttledUntil = Date.now() + 500;
    queue.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('when a request waits out a throttle, then it is sent when the throttle ends, and the queue goes quiet', () => {
    const send = jest.fn();
    queue.throttledUntil = Date.now() + 500;
    queue.pending.push({ send, expectResponse: true, correlationId: 1 });
    queue.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(499);
    expect(send).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(send).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});
