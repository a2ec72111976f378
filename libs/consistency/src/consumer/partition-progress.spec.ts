import { PartitionProgress } from './partition-progress';

describe('PartitionProgress', () => {
  let now = 0;
  const progress = () => new PartitionProgress(() => now);

  beforeEach(() => (now = 1_000));

  it('when the head does not move while messages wait past the threshold, then the partition is stalled', () => {
    const tracker = progress();
    tracker.fetched('order.events', 2, '10', '15');
    now += 5_000;
    expect(tracker.stalled(10_000)).toEqual([]);
    now += 6_000;
    expect(tracker.stalled(10_000)).toEqual([
      { topic: 'order.events', partition: 2, offset: '10', stalledForMs: 11_000 },
    ]);
  });

  it('when messages keep being handled, then the partition is not stalled however long it runs', () => {
    const tracker = progress();
    tracker.fetched('order.events', 0, '0', '100');
    for (let offset = 0; offset < 50; offset++) {
      now += 1_000;
      tracker.handled('order.events', 0, String(offset));
    }
    expect(tracker.stalled(10_000)).toEqual([]);
  });

  it('when a caught-up partition idles, then it is not stalled, and the wait starts when new messages arrive', () => {
    const tracker = progress();
    tracker.fetched('order.events', 1, '0', '1');
    tracker.handled('order.events', 1, '0');
    now += 60_000;
    expect(tracker.stalled(10_000)).toEqual([]);
    tracker.fetched('order.events', 1, '1', '3');
    now += 9_000;
    expect(tracker.stalled(10_000)).toEqual([]);
    now += 2_000;
    expect(tracker.stalled(10_000)).toHaveLength(1);
  });

  it('when messages wait behind several heads, then the lag is their sum', () => {
    const tracker = progress();
    tracker.fetched('order.events', 0, '10', '15');
    tracker.fetched('order.events', 1, '0', '3');
    tracker.handled('order.events', 1, '0');
    expect(tracker.lag()).toBe(5 + 2);
  });

  it('when the group rebalances, then earlier partitions are forgotten', () => {
    const tracker = progress();
    tracker.fetched('order.events', 1, '0', '5');
    now += 20_000;
    tracker.reset();
    expect(tracker.stalled(10_000)).toEqual([]);
  });
});

describe('PartitionProgress.backlog', () => {
  let now = 0;
  const progress = () => new PartitionProgress(() => now);

  beforeEach(() => (now = 100_000));

  it('when the head message is being handled, then its age comes from its broker timestamp', () => {
    const tracker = progress();
    tracker.fetched('order.events', 0, '10', '15');
    tracker.handling('order.events', 0, String(now - 7_000));
    now += 3_000;
    expect(tracker.backlog()).toEqual([{ topic: 'order.events', partition: 0, lag: 5, oldestUnprocessedMs: 10_000 }]);
  });

  it('when the head is handled and nothing waits, then lag and age are 0', () => {
    const tracker = progress();
    tracker.fetched('order.events', 1, '0', '1');
    tracker.handling('order.events', 1, String(now - 50_000));
    tracker.handled('order.events', 1, '0');
    now += 60_000;
    expect(tracker.backlog()).toEqual([{ topic: 'order.events', partition: 1, lag: 0, oldestUnprocessedMs: 0 }]);
  });

  it('when messages wait and the head has not been taken up yet, then the age is how long the head has waited', () => {
    const tracker = progress();
    tracker.fetched('order.events', 2, '0', '4');
    tracker.handling('order.events', 2, String(now - 1_000));
    now += 500;
    tracker.handled('order.events', 2, '0');
    now += 2_000;
    expect(tracker.backlog()).toEqual([{ topic: 'order.events', partition: 2, lag: 3, oldestUnprocessedMs: 2_000 }]);
  });

  it('when a producer stamped a message in the future, then the age is 0, never negative', () => {
    const tracker = progress();
    tracker.fetched('order.events', 0, '0', '1');
    tracker.handling('order.events', 0, String(now + 60_000));
    expect(tracker.backlog()[0].oldestUnprocessedMs).toBe(0);
  });
});
