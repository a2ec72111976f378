import { Registry } from 'prom-client';
import { QueryFailedError } from 'typeorm';
import { SAGA_EVENTS } from '@app/contracts';
import { OutboxMessage } from '../outbox/outbox-message';
import { OutboxService } from '../outbox/outbox.service';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsumerMetrics } from './consumer.metrics';
import { ConsumerState } from './consumer-state';
import { DeadLetterHeaders, FailedMessage } from './dead-letter';
import { DeadLetterWriter } from './dead-letter-writer';

const message: FailedMessage = {
  topic: 'inventory.events',
  partition: 2,
  offset: '41',
  key: Buffer.from('not-an-order'),
  value: Buffer.from('{"broken'),
};

const failure = { reason: 'poison' as const, error: 'unparseable JSON', attempts: 0 };

/** Transactions that run at once, an outbox that does what `enqueue` says, and a log of statements. */
function setUp(enqueue: (letter: OutboxMessage) => Promise<void>) {
  const statements: Array<{ sql: string; values: unknown[] }> = [];
  const transactions = {
    run: <T>(work: () => Promise<T>) => work(),
    manager: { query: (sql: string, values: unknown[]) => Promise.resolve(void statements.push({ sql, values })) },
  } as unknown as TransactionHost;
  const registry = new Registry();
  const writer = new DeadLetterWriter({
    transactions,
    outbox: { enqueueMessage: enqueue } as unknown as OutboxService,
    metrics: new ConsumerMetrics(registry, new ConsumerState()),
    groupId: 'shipping-service',
    maxMessageBytes: 10_000,
    isCompensation: (type) => type === 'order.cancelled',
  });
  const deadLetters = async () => (await registry.getSingleMetric('consumer_dead_letters_total')?.get())?.values ?? [];
  return { writer, statements, deadLetters };
}

describe('DeadLetterWriter', () => {
  it('when the dead letter can be written, then it goes through the outbox with where it came from and why, and is counted', async () => {
    const letters: OutboxMessage[] = [];
    const { writer, deadLetters } = setUp((letter) => Promise.resolve(void letters.push(letter)));
    await expect(writer.write(message, failure, undefined)).resolves.toBe('dead-lettered');
    expect(letters).toHaveLength(1);
    expect(letters[0].topic).toBe('inventory.events.dlq');
    expect(letters[0].headers).toMatchObject({
      [DeadLetterHeaders.originalOffset]: '41',
      [DeadLetterHeaders.reason]: 'poison',
      [DeadLetterHeaders.consumer]: 'shipping-service',
    });
    expect(await deadLetters()).toEqual([
      expect.objectContaining({
        value: 1,
        labels: { topic: 'inventory.events', event_type: 'unknown', reason: 'poison', compensation: 'false' },
      }),
    ]);
  });

  it('when the dead letter itself is refused for good, then the message is recorded as skipped, without its content', async () => {
    const refused = new QueryFailedError(
      'INSERT',
      [],
      Object.assign(new Error('invalid byte sequence'), { code: '22021' }),
    );
    const { writer, statements } = setUp(() => Promise.reject(refused));
    await expect(writer.write(message, failure, 'order.cancelled')).resolves.toBe('skipped');
    expect(statements).toHaveLength(1);
    expect(statements[0].sql).toContain('INSERT INTO skipped_messages');
    expect(statements[0].values).toEqual(expect.arrayContaining(['shipping-service', 'inventory.events', 2, '41']));
    expect(JSON.stringify(statements[0].values)).not.toContain('broken');
  });

  it('when the database does not answer, then the error propagates and nothing is recorded', async () => {
    const { writer, statements, deadLetters } = setUp(() => Promise.reject(new Error('Connection terminated')));
    await expect(writer.write(message, failure, undefined)).rejects.toThrow('Connection terminated');
    expect(statements).toHaveLength(0);
    expect(await deadLetters()).toEqual([]);
  });

  it('when the consumer starts, then every dead-letter series it can produce exists from zero, compensations marked', async () => {
    const { writer, deadLetters } = setUp(() => Promise.resolve());
    writer.expectFor(['order.events'], SAGA_EVENTS);
    const series = await deadLetters();
    expect(series.every(({ value }) => value === 0)).toBe(true);
    expect(series).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: expect.objectContaining({ event_type: 'unknown', reason: 'poison' }) }),
        expect.objectContaining({
          labels: expect.objectContaining({
            event_type: 'order.cancelled',
            compensation: 'true',
            reason: 'retries-exhausted',
          }),
        }),
      ]),
    );
    expect(series.some(({ labels }) => labels.topic !== 'order.events')).toBe(false);
  });
});
