import { randomUUID } from 'node:crypto';
import { Consumer, EachMessagePayload, Kafka, logLevel } from 'kafkajs';
import { waitFor } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';

/**
 * Proves the chosen broker version works with kafkajs for what the suite relies on: the
 * idempotent producer, admin, a two-member group, manual commits and resuming after them.
 */
describe('kafkajs against the embedded broker', () => {
  const { kafkaBrokers } = testInfra();
  const kafka = new Kafka({ clientId: 'broker-test', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const topic = `broker-test-${randomUUID()}`;
  const groupId = `broker-test-group-${randomUUID()}`;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4, replicationFactor: 1 }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  async function produce(keys: string[], perKey: number, offset: number): Promise<void> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: keys.flatMap((key) =>
        Array.from({ length: perKey }, (_, i) => ({ key, value: JSON.stringify({ key, seq: offset + i }) })),
      ),
    });
    await producer.disconnect();
  }

  /** A consumer that commits each message's offset by hand, after recording it. */
  async function startMember(seen: Map<string, number[]>, members: Set<string>): Promise<Consumer> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const memberId = randomUUID();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }: EachMessagePayload) => {
        const { key, seq } = JSON.parse(String(message.value)) as { key: string; seq: number };
        seen.set(key, [...(seen.get(key) ?? []), seq]);
        members.add(memberId);
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    return consumer;
  }

  it('when two members consume keyed messages with manual commits and one restarts, then it resumes after the last commit', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const seen = new Map<string, number[]>();
    const members = new Set<string>();
    const first = await startMember(seen, members);
    await startMember(seen, members);
    await produce(keys, 5, 0);

    await waitFor('all 60 messages', () => Promise.resolve([...seen.values()].flat().length >= 60 ? true : undefined), {
      timeoutMs: 30_000,
    });
    for (const key of keys) {
      expect(seen.get(key)).toEqual([0, 1, 2, 3, 4]);
    }
    expect(members.size).toBe(2);

    await first.disconnect();
    consumers.splice(consumers.indexOf(first), 1);
    const afterRestart = new Map<string, number[]>();
    await startMember(afterRestart, new Set());
    await produce(keys, 2, 5);

    await waitFor(
      'the 24 new messages',
      () => Promise.resolve([...seen.values(), ...afterRestart.values()].flat().length >= 84 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    for (const key of keys) {
      expect([...(seen.get(key) ?? []), ...(afterRestart.get(key) ?? [])].sort((a, b) => a - b)).toEqual([
        0, 1, 2, 3, 4, 5, 6,
      ]);
    }
  });
});
