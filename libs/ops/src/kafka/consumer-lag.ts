import { Admin } from 'kafkajs';

/** How far one consumer group is behind on one partition. */
export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  /** The group's committed offset; -1 when it has committed none on this partition. */
  committed: number;
  /** The partition's end (the offset the next message will get). */
  end: number;
  /** Messages not yet committed: from the committed offset, or the partition's start, to its end. */
  lag: number;
}

/**
 * Per partition of `topics` (every topic the group has committed on, when omitted), how many
 * messages `groupId` has not committed yet.
 */
export async function consumerLagByPartition(
  admin: Admin,
  groupId: string,
  topics?: readonly string[],
): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, ...(topics ? { topics: [...topics] } : {}) });
  const lags: PartitionLag[] = [];
  for (const { topic, partitions: done } of committed) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const offset = Number(done.find((entry) => entry.partition === partition)?.offset ?? '-1');
      lags.push({
        groupId,
        topic,
        partition,
        committed: offset,
        end: Number(high),
        lag: Number(high) - Math.max(offset, Number(low)),
      });
    }
  }
  return lags;
}
