import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS, deadLetterTopic } from '@app/contracts';

/** The event topics of docs/events.md and their dead-letter topics; existing ones are left alone. */
export async function createTopics(brokers: string[], partitions: number): Promise<string[]> {
  const admin = new Kafka({ clientId: 'infra-topics', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = ALL_TOPICS.flatMap((topic) => [topic, deadLetterTopic(topic)]);
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
    return wanted;
  } finally {
    await admin.disconnect();
  }
}

/** Creates `topic`; `config` sets topic-level configs such as `max.message.bytes`. */
export async function createTopic(
  brokers: string[],
  topic: string,
  partitions = 3,
  config: Record<string, string> = {},
): Promise<void> {
  const admin = new Kafka({ clientId: 'topic-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopic(brokers: string[], topic: string): Promise<void> {
  const admin = new Kafka({ clientId: 'topic-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
