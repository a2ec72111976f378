import { Kafka, logLevel } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { DeadLetterHeaders, decodeDeadLetter, loadInfraEnv, parseBrokerList } from '@app/consistency/tools';
import { ReadMessage, readToEnd } from './kafka/topic-reader';

const usage = 'usage: npm run dlq -- list <topic> | replay <topic> [--id <event-id> …]';

function list(letters: ReadMessage[], topic: string): void {
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
async function replay(kafka: Kafka, letters: ReadMessage[], dlq: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (const letter of letters) {
    const position = `${letter.partition}@${letter.offset}`;
    const original = decodeDeadLetter(letter);
    if ('unreplayable' in original) {
      process.stdout.write(`skipped ${position}: ${original.unreplayable}, so it cannot be replayed\n`);
      continue;
    }
    await producer.send({
      topic: original.topic,
      acks: -1,
      messages: [
        {
          key: original.key,
          value: original.value,
          headers: { ...original.headers, 'dlq-replayed-from': `${dlq}/${position}` },
        },
      ],
    });
    process.stdout.write(`replayed ${position} (${letter.headers['event-id'] ?? 'no id'}) to ${original.topic}\n`);
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
  const letters = await readToEnd(kafka, dlq);
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
