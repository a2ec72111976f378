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
