import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { consumerGroupId, ServiceName } from '@app/consistency';
import { Topic } from '@app/contracts';
import { INVENTORY_CONSUMES } from '../../apps/inventory/src/inventory.topics';
import { NOTIFICATION_CONSUMES } from '../../apps/notification/src/notification.topics';
import { ORDER_CONSUMES } from '../../apps/order/src/order.topics';
import { SHIPPING_CONSUMES } from '../../apps/shipping/src/shipping.topics';

/** The topics each service's consumer group reads. */
export const CONSUMES: Record<ServiceName, readonly Topic[]> = {
  order: ORDER_CONSUMES,
  inventory: INVENTORY_CONSUMES,
  shipping: SHIPPING_CONSUMES,
  notification: NOTIFICATION_CONSUMES,
};

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
  return consumerLag(brokers, consumerGroupId(service), CONSUMES[service]);
}

/** Work a service has not finished: its consumer lag plus its outbox rows not yet published, parked ones included. */
export async function serviceBacklog(database: Client, brokers: string[], service: ServiceName): Promise<number> {
  const [lag, { rows }] = await Promise.all([
    serviceLag(brokers, service),
    database.query<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM outbox WHERE status IN ('PENDING', 'PARKED')`,
    ),
  ]);
  return lag + rows[0].pending;
}
