import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { consumerGroupId, OUTBOX_BACKLOG_SQL, outboxBacklog, OutboxBacklogRow } from '@app/consistency/tools';
import { manifestOf, ServiceName } from '../services';

/** Messages on `topics` that `groupId` has not committed yet, summed over partitions. */
async function consumerLag(brokers: string[], groupId: string, topics: readonly string[]): Promise<number> {
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

/** Messages a service's consumer group has not committed yet, over every topic it reads. */
export function serviceLag(brokers: string[], service: ServiceName): Promise<number> {
  return consumerLag(brokers, consumerGroupId(service), manifestOf(service).consumes);
}

/** Work a service has not finished: its consumer lag plus its outbox rows not yet published, parked ones included. */
export async function serviceBacklog(database: Client, brokers: string[], service: ServiceName): Promise<number> {
  const [lag, { rows }] = await Promise.all([
    serviceLag(brokers, service),
    database.query<OutboxBacklogRow>(OUTBOX_BACKLOG_SQL),
  ]);
  const outbox = outboxBacklog(rows[0]);
  return lag + outbox.pending + outbox.parked;
}
