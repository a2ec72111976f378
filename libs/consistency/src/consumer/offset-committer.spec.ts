import { TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { OffsetCommitter } from './offset-committer';

describe('OffsetCommitter', () => {
  let sent: TopicPartitionOffsetAndMetadata[][];
  let errors: unknown[];

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    errors = [];
  });

  afterEach(() => jest.useRealTimers());

  function committer(every = 100, commit = (offsets: TopicPartitionOffsetAndMetadata[]) => sent.push(offsets)) {
    return new OffsetCommitter({
      commit: (offsets) => Promise.resolve(commit(offsets)).then(() => undefined),
      intervalMs: 1000,
      every,
      onError: (error) => errors.push(error),
    });
  }

  it('sends the next offset of every partition once, when the interval has passed', async () => {
    const offsets = committer();
    await offsets.handled('a', 0, '7');
    await offsets.handled('a', 0, '8');
    await offsets.handled('a', 1, '3');
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([
      [
        { topic: 'a', partition: 0, offset: '9' },
        { topic: 'a', partition: 1, offset: '4' },
      ],
    ]);
    await jest.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(1);
  });

  it('sends at once when enough messages are waiting', async () => {
    const offsets = committer(3);
    await offsets.handled('a', 0, '1');
    await offsets.handled('a', 0, '2');
    await offsets.handled('a', 0, '3');
    expect(sent).toEqual([[{ topic: 'a', partition: 0, offset: '4' }]]);
  });

  it('forgets waiting offsets when discarded', async () => {
    const offsets = committer();
    await offsets.handled('a', 0, '1');
    offsets.discard();
    await jest.advanceTimersByTimeAsync(1000);
    await offsets.flush();
    expect(sent).toEqual([]);
  });

  it('reports a failed send instead of throwing into the handler loop', async () => {
    const offsets = committer(1, () => {
      throw new Error('rebalance in progress');
    });
    await expect(offsets.handled('a', 0, '1')).resolves.toBeUndefined();
    expect(errors).toEqual([new Error('rebalance in progress')]);
  });

  it('when the group rebalances, then waiting offsets of partitions still held are kept and the others dropped', async () => {
    const offsets = new OffsetCommitter({
      commit: (batch) => Promise.resolve(void sent.push(batch)),
      intervalMs: 60_000,
      every: 100,
      onError: () => undefined,
    });
    await offsets.handled('order.events', 0, '4');
    await offsets.handled('order.events', 1, '9');
    offsets.retainOnly({ 'order.events': [1, 2] });
    await offsets.flush();
    expect(sent).toEqual([[{ topic: 'order.events', partition: 1, offset: '10' }]]);
  });
});
