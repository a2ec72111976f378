import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { deadLetter, DeadLetterHeaders } from '@app/consistency/tools';
import { REPO_ROOT } from '../../scripts/infra/layout';
import { runCommand } from '../../scripts/infra/run-command';
import { testInfra } from '../support/infra-env';
import { TopicReader } from '../../scripts/kafka/topic-reader';
import { createTopic, deleteTopic } from '../../scripts/infra/topics';

describe('npm run dlq', () => {
  const infra = testInfra();
  const topic = `dlq-cli-${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'dlq-cli-test', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const ids = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    await createTopic(infra.kafkaBrokers, topic, 1);
    await createTopic(infra.kafkaBrokers, deadLetterTopic(topic), 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: deadLetterTopic(topic),
      messages: ids.map((id, offset) => {
        const letter = deadLetter(
          {
            topic,
            partition: 0,
            offset: String(offset),
            key: Buffer.from(`order-${offset}`),
            value: Buffer.from(JSON.stringify({ id, n: offset })),
            headers: { 'event-id': id, 'event-type': 'order.created' },
          },
          {
            reason: 'retries-exhausted',
            error: `Error: failure ${offset}`,
            attempts: 5,
            consumer: 'inventory-service',
          },
          1_000_000,
        );
        return { key: letter.key, value: letter.value, headers: letter.headers };
      }),
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await deleteTopic(infra.kafkaBrokers, topic);
    await deleteTopic(infra.kafkaBrokers, deadLetterTopic(topic));
  });

  const dlq = (...args: string[]) => runCommand('npm', ['run', '--silent', 'dlq', '--', ...args], { cwd: REPO_ROOT });

  it('when listing, then each dead letter shows its id, origin, reason, attempts and error', async () => {
    const listed = await dlq('list', topic);
    expect(listed.code).toBe(0);
    expect(listed.output).toContain(`2 dead letter(s) in ${deadLetterTopic(topic)}`);
    expect(listed.output).toContain(
      `id=${ids[0]}  type=order.created  from=${topic}/0@0  reason=retries-exhausted  attempts=5`,
    );
    expect(listed.output).toContain('error: Error: failure 1');
  });

  it('when replaying one id, then only it returns to the original topic with its key, value and original headers', async () => {
    const reader = await new TopicReader(infra.kafkaBrokers, topic).start();
    try {
      const replayed = await dlq('replay', topic, '--id', ids[1]);
      expect(replayed.code).toBe(0);
      expect(replayed.output).toContain('1 replayed');
      await reader.waitUntil('the replayed message', (messages) => messages.length === 1);
      const [message] = reader.messages;
      expect(message.key).toBe('order-1');
      expect(JSON.parse(message.value)).toEqual({ id: ids[1], n: 1 });
      expect(message.headers).toMatchObject({ 'event-id': ids[1], 'event-type': 'order.created' });
      expect(message.headers[DeadLetterHeaders.reason]).toBeUndefined();
      expect(message.headers['dlq-replayed-from']).toBe(`${deadLetterTopic(topic)}/0@1`);
    } finally {
      await reader.stop();
    }
  });

  it('when the id is not in the dead-letter topic, then it says so and exits non-zero', async () => {
    const missing = await dlq('replay', topic, '--id', 'no-such-id');
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('no dead letter in');
  });
});
