import { Kafka, logLevel } from 'kafkajs';
import { deadLetterTopic } from '@app/contracts';
import { DeadLetterHeaders, loadInfraEnv, parseBrokerList } from '@app/consistency/tools';
import { ReadMessage, readToEnd, replayDeadLetters } from '@app/ops';

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
async function replay(kafka: Kafka, letters: ReadMessage[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    for (const outcome of await replayDeadLetters(producer, letters)) {
      process.stdout.write(
        'skipped' in outcome
          ? `skipped ${outcome.position}: ${outcome.skipped}, so it cannot be replayed\n`
          : `replayed ${outcome.position} (${outcome.eventId ?? 'no id'}) to ${outcome.replayedTo}\n`,
      );
    }
  } finally {
    await producer.disconnect();
  }
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
  await replay(kafka, chosen);
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
