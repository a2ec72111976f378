import { EventEmitter } from 'node:events';
import { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { FaultInjector } from '../faults/fault-points';
import { OutboxService } from '../outbox/outbox.service';
import { TransactionHost } from '../transaction/transaction-host';
import { ConsistentKafkaServer } from './consistent-kafka.server';
import { ConsumerMetrics } from './consumer.metrics';
import { loadConsumerOptions } from './consumer.options';
import { ConsumerState } from './consumer-state';

/** A kafkajs consumer stand-in that only emits events; real consumption is covered in test/messaging. */
function fakeKafka() {
  const emitter = new EventEmitter();
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
  };
  return { kafka: { consumer: () => consumer } as unknown as Kafka, emitter };
}

describe('ConsistentKafkaServer', () => {
  function server(onFatal: (error: Error) => void) {
    const { kafka, emitter } = fakeKafka();
    const state = new ConsumerState();
    const instance = new ConsistentKafkaServer({
      kafka,
      groupId: 'test-group',
      topics: ['order.events'],
      transactions: {} as TransactionHost,
      outbox: {} as OutboxService,
      options: loadConsumerOptions({}),
      state,
      metrics: new ConsumerMetrics(new Registry()),
      faults: new FaultInjector(),
      maxMessageBytes: 1_000_000,
      upcasters: {},
      onFatal,
    });
    return { instance, emitter, state };
  }

  it('when the consumer has not joined its group yet, then health says so', async () => {
    const { instance, emitter, state } = server(() => undefined);
    await instance.listen(() => undefined);
    expect(state.problem).toBe('the Kafka consumer has not joined its group yet');
    emitter.emit('consumer.group_join', { payload: {} });
    expect(state.problem).toBeUndefined();
    await instance.close();
  });

  it('when the consumer crashes for good, then health learns why and the fatal handler runs', async () => {
    const fatal: Error[] = [];
    const { instance, emitter, state } = server((error) => fatal.push(error));
    const startup: unknown[] = [];
    await instance.listen((error) => startup.push(error));
    expect(startup).toEqual([undefined]);
    emitter.emit('consumer.crash', { payload: { error: new Error('group coordinator gone'), restart: false } });
    expect(state.problem).toBe('Error: group coordinator gone');
    expect(fatal.map((error) => error.message)).toEqual(['group coordinator gone']);
    await instance.close();
  });

  it('when kafkajs will restart the consumer itself, then nothing is reported', async () => {
    const fatal: Error[] = [];
    const { instance, emitter, state } = server((error) => fatal.push(error));
    const startup: unknown[] = [];
    await instance.listen((error) => startup.push(error));
    expect(startup).toEqual([undefined]);
    emitter.emit('consumer.group_join', { payload: {} });
    emitter.emit('consumer.crash', { payload: { error: new Error('rebalancing'), restart: true } });
    expect(state.problem).toBeUndefined();
    expect(fatal).toHaveLength(0);
    await instance.close();
  });
});
