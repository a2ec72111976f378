import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { consumerGroupId, OUTBOX_BACKLOG_SQL, outboxBacklog, OutboxBacklogRow } from '@app/consistency/tools';
import { consumerLagByPartition } from '@app/ops';
import { manifestOf, ServiceName } from '../services';

/** Messages on `topics` that `groupId` has not committed yet, summed over partitions. */
async function consumerLag(brokers: string[], groupId: string, topics: readonly string[]): Promise<number> {
  const admin = new Kafka({ clientId: 'lag-probe', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const partitions = await consumerLagByPartition(admin, groupId, topics);
    return partitions.reduce((sum, { lag }) => sum + lag, 0);
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
