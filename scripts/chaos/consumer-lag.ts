import { Kafka, logLevel } from 'kafkajs';

/** Messages on `topics` that `groupId` has not committed yet, summed over partitions. */
export async function consumerLag(brokers: string[], groupId: string, topics: readonly string[]): Promise<number> {
  const admin = new Kafka({ clientId: 'lag-probe', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [committed, ends] = await Promise.all([
      admin.fetchOffsets({ groupId, topics: [...topics] }),
      Promise.all(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) }))),
    ]);
    let lag = 0;
    for (const { topic, partitions } of ends) {
      const done = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
      for (const { partition, high, low } of partitions) {
        const offset = done.find((entry) => entry.partition === partition)?.offset ?? '-1';
        lag += Number(high) - Math.max(Number(offset), Number(low));
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}
