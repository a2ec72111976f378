import { randomUUID } from 'node:crypto';
import { MessageHandler } from '@nestjs/microservices';
import { KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { of } from 'rxjs';
import { EventEnvelope, SAGA_EVENTS } from '@app/contracts';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsumerMetrics } from './consumer.metrics';
import { ConsumerState } from './consumer-state';
import { FailedMessage, Failure } from './dead-letter';
import { DeadLetterWriter } from './dead-letter-writer';
import { MessagePipeline, Outcome } from './message-pipeline';
import { PoisonMessageError } from './poison-message.error';

/** A transaction whose inbox keeps what committed and forgets what rolled back; the real one is in test/messaging. */
function fakeTransactions(): TransactionHost {
  const inbox = new Set<string>();
  const connection = {
    query: ({ values: [, , ids] }: { values: [string[], string, string[]] }) =>
      Promise.resolve({ rows: ids.filter((id) => !inbox.has(id) && inbox.add(id)).map((id) => ({ event_id: id })) }),
  };
  return {
    run: async <T>(work: () => Promise<T>) => {
      const committed = [...inbox];
      try {
        return await work();
      } catch (error) {
        inbox.clear();
        committed.forEach((id) => inbox.add(id));
        throw error;
      }
    },
    manager: { queryRunner: { connect: () => Promise.resolve(connection) } },
  } as unknown as TransactionHost;
}

/** A valid shipping.scheduled as our producers write it, at `offset`. */
function scheduled(offset: number): KafkaMessage {
  const orderId = randomUUID();
  const envelope = {
    id: randomUUID(),
    type: 'shipping.scheduled',
    version: 1,
    occurredAt: '2026-11-27T10:00:00.000Z',
    orderId,
    correlationId: orderId,
    causationId: null,
    payload: { shipmentId: randomUUID(), carrierReference: 'CARRIER-1' },
  };
  return {
    key: Buffer.from(orderId),
    value: Buffer.from(JSON.stringify(envelope)),
    headers: { 'event-id': envelope.id, 'event-type': envelope.type, 'event-version': '1' },
    offset: String(offset),
    timestamp: String(Date.now()),
    attributes: 0,
  };
}

const garbage = (offset: number): KafkaMessage => ({ ...scheduled(offset), value: Buffer.from('{not json') });

/** A pipeline whose handler fails when `fail` returns an error, recording every handled id and dead letter. */
function setUp(fail: (id: string, attempt: number) => Error | undefined = () => undefined) {
  const handled: string[] = [];
  const attempts = new Map<string, number>();
  const handler = Object.assign(
    (envelope: EventEnvelope) => {
      const attempt = (attempts.get(envelope.id) ?? 0) + 1;
      attempts.set(envelope.id, attempt);
      const error = fail(envelope.id, attempt);
      if (error) {
        return Promise.reject(error);
      }
      handled.push(envelope.id);
      return Promise.resolve();
    },
    { extras: { versions: [1] } },
  ) as unknown as MessageHandler;
  const deadLettered: Array<{ offset: string; failure: Omit<Failure, 'consumer'> }> = [];
  const deadLetters = {
    write: (message: FailedMessage, failure: Omit<Failure, 'consumer'>) => {
      deadLettered.push({ offset: message.offset, failure });
      return Promise.resolve('dead-lettered' as const);
    },
  } as unknown as DeadLetterWriter;
  const registry = new Registry();
  const metrics = new ConsumerMetrics(registry, new ConsumerState());
  const pipeline = new MessagePipeline({
    gate: {
      events: SAGA_EVENTS,
      handlerFor: (type) => (type === 'shipping.scheduled' ? handler : undefined),
      upcasters: {},
      limits: { maxValueBytes: 10_000, maxHeaderBytes: 1000 },
    },
    transactions: fakeTransactions(),
    groupId: 'order-service',
    batchMaxMessages: 100,
    retry: { maxAttempts: 3, baseMs: 1, maxMs: 2 },
    deadLetters,
    metrics,
    toObservable: (result) => of(result),
  });
  const settled: Array<{ offset: string; outcomes: Outcome[] }> = [];
  const consume = (messages: KafkaMessage[], running: () => boolean = () => true) =>
    pipeline.consume('shipping.events', 0, messages, {
      running,
      handling: () => undefined,
      settled: (offset, outcomes) => Promise.resolve(void settled.push({ offset, outcomes })),
    });
  const fallbacks = async () =>
    (await registry.getSingleMetric('consumer_batch_fallbacks_total')?.get())?.values[0]?.value ?? 0;
  return { consume, handled, attempts, deadLettered, settled, fallbacks };
}

const idOf = (message: KafkaMessage) => (message.headers?.['event-id'] as string | undefined) ?? '';

describe('MessagePipeline', () => {
  it('when a fetched batch is all valid, then its handlers run in order in one transaction and it settles once at its last offset', async () => {
    const { consume, handled, settled } = setUp();
    const messages = [scheduled(10), scheduled(11), scheduled(12)];
    await consume(messages);
    expect(handled).toEqual(messages.map(idOf));
    expect(settled).toEqual([{ offset: '12', outcomes: ['processed', 'processed', 'processed'] }]);
  });

  it('when a batch holds poison, then each message goes alone: the poison is dead-lettered unread and the others are handled', async () => {
    const { consume, handled, settled, deadLettered } = setUp();
    const messages = [scheduled(20), garbage(21), scheduled(22)];
    await consume(messages);
    expect(handled).toEqual([idOf(messages[0]), idOf(messages[2])]);
    expect(deadLettered).toEqual([
      { offset: '21', failure: expect.objectContaining({ reason: 'poison', attempts: 0 }) },
    ]);
    expect(settled.map(({ offset, outcomes }) => [offset, outcomes])).toEqual([
      ['20', ['processed']],
      ['21', ['dead-lettered']],
      ['22', ['processed']],
    ]);
  });

  it('when a handler fails once inside a batch, then the batch rolls back and that message succeeds alone on its second attempt', async () => {
    const messages = [scheduled(30), scheduled(31), scheduled(32)];
    const flaky = idOf(messages[1]);
    const { consume, handled, attempts, settled, fallbacks } = setUp((id, attempt) =>
      id === flaky && attempt === 1 ? new Error('deadlock detected') : undefined,
    );
    await consume(messages);
    // The first handler ran in the batch that rolled back, and again alone.
    expect(handled).toEqual([idOf(messages[0]), idOf(messages[0]), flaky, idOf(messages[2])]);
    expect(attempts.get(flaky)).toBe(2);
    expect(settled.map(({ offset }) => offset)).toEqual(['30', '31', '32']);
    expect(await fallbacks()).toBe(1);
  });

  it('when a handler fails permanently, then its message is dead-lettered after that one attempt and its neighbours are handled', async () => {
    const messages = [scheduled(40), scheduled(41)];
    const bad = idOf(messages[0]);
    const { consume, handled, deadLettered, settled } = setUp((id) =>
      id === bad ? new PoisonMessageError('no such order') : undefined,
    );
    await consume(messages);
    expect(handled).toEqual([idOf(messages[1])]);
    expect(deadLettered).toEqual([
      { offset: '40', failure: expect.objectContaining({ reason: 'poison', attempts: 1 }) },
    ]);
    expect(settled.map(({ outcomes }) => outcomes)).toEqual([['dead-lettered'], ['processed']]);
  });

  it('when the same event comes twice, then the second copy is a duplicate and its handler runs once', async () => {
    const { consume, handled, settled } = setUp();
    const first = scheduled(50);
    await consume([first, { ...first, offset: '51' }]);
    expect(handled).toEqual([idOf(first)]);
    expect(settled).toEqual([{ offset: '51', outcomes: ['processed', 'duplicate'] }]);
  });

  it('when the consumer stops, then the rest of the batch is left for the next owner', async () => {
    const { consume, handled, settled } = setUp();
    await consume([scheduled(60)], () => false);
    expect(handled).toEqual([]);
    expect(settled).toEqual([]);
  });
});
