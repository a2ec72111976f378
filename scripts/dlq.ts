import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { DeadLetterHeaders, loadInfraEnv, parseBrokerList, stringHeaders } from '@app/consistency';

interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

const usage = 'usage: npm run dlq -- list <topic> | replay <topic> [--id <event-id> …]';

/** Reads a dead-letter topic from the start up to its current end, with a throwaway consumer group. */
async function readDeadLetters(kafka: Kafka, topic: string): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(
      ends.filter((end) => end.high !== end.low).map((end) => [end.partition, BigInt(end.high)]),
    );
    const letters: DeadLetter[] = [];
    if (remaining.size === 0) {
      return letters;
    }
    const groupId = `dlq-cli-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            const end = remaining.get(partition);
            if (end !== undefined && BigInt(message.offset) < end) {
              letters.push({
                partition,
                offset: message.offset,
                key: message.key?.toString() ?? null,
                value: message.value,
                headers: stringHeaders(message.headers),
              });
              if (BigInt(message.offset) + 1n >= end) {
                remaining.delete(partition);
              }
            }
            if (remaining.size === 0) {
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await admin.disconnect();
  }
}

function list(letters: DeadLetter[], topic: string): void {
  process.stdout.write(`${letters.length} dead letter(s) in ${topic}\n`);
  for (const letter of letters) {
    const h = letter.headers;
    process.stdout.write(
      [
        `${letter.partition}@${letter.offset}`,
        `id=${h['event-id'] ?? '-'}`,
        `type=${h['event-type'] ?? '-'}`,
        `from=${h[DeadLetterHeaders.originalTopic]}/${h[DeadLetterHeaders.originalPartition]}@${h[DeadLetterHeaders.originalOffset]}`,
        `reason=${h[DeadLetterHeaders.reason]}`,
        `attempts=${h[DeadLetterHeaders.attempts]}`,
        `consumer=${h[DeadLetterHeaders.consumer]}`,
        `at=${h[DeadLetterHeaders.failedAt]}`,
      ].join('  ') + `\n    error: ${h[DeadLetterHeaders.error]}\n`,
    );
  }
}

/** Republishes dead letters to their original topic with their original key, value and headers. */
async function replay(kafka: Kafka, letters: DeadLetter[], dlq: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (const letter of letters) {
    if (letter.headers[DeadLetterHeaders.truncatedFrom]) {
      process.stdout.write(
        `skipped ${letter.partition}@${letter.offset}: its value was cut to fit the dead-letter topic ` +
          `(${letter.headers[DeadLetterHeaders.truncatedFrom]} bytes originally), so it cannot be replayed\n`,
      );
      continue;
    }
    const headers = Object.fromEntries(
      Object.entries(letter.headers).filter(([name]) => !Object.values(DeadLetterHeaders).includes(name as never)),
    );
    await producer.send({
      topic: letter.headers[DeadLetterHeaders.originalTopic],
      acks: -1,
      messages: [
        {
          key: letter.key,
          value:
            letter.headers[DeadLetterHeaders.valueEncoding] === 'base64' && letter.value
              ? Buffer.from(letter.value.toString(), 'base64')
              : letter.value,
          headers: { ...headers, 'dlq-replayed-from': `${dlq}/${letter.partition}@${letter.offset}` },
        },
      ],
    });
    process.stdout.write(
      `replayed ${letter.partition}@${letter.offset} (${letter.headers['event-id'] ?? 'no id'}) to ${letter.headers[DeadLetterHeaders.originalTopic]}\n`,
    );
  }
  await producer.disconnect();
}

async function main(argv: string[]): Promise<number> {
  const [command, topicArg, ...rest] = argv;
  if ((command !== 'list' && command !== 'replay') || !topicArg) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  loadInfraEnv();
  if (!process.env.KAFKA_BROKERS) {
    throw new Error('KAFKA_BROKERS is not set and no .local/infra.env was found (run npm run infra:up)');
  }
  const kafka = new Kafka({
    clientId: 'dlq-cli',
    brokers: parseBrokerList(process.env.KAFKA_BROKERS),
    logLevel: logLevel.NOTHING,
  });
  const dlq = topicArg.endsWith('.dlq') ? topicArg : deadLetterTopic(topicArg);
  const letters = await readDeadLetters(kafka, dlq);
  if (command === 'list') {
    list(letters, dlq);
    return 0;
  }
  const ids = rest.flatMap((arg, index) => (rest[index - 1] === '--id' ? [arg] : []));
  const chosen = ids.length > 0 ? letters.filter((letter) => ids.includes(letter.headers['event-id'])) : letters;
  if (ids.length > 0 && chosen.length === 0) {
    throw new Error(`no dead letter in ${dlq} has event id ${ids.join(', ')}`);
  }
  await replay(kafka, chosen, dlq);
  process.stdout.write(`${chosen.length} replayed\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dlq: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
