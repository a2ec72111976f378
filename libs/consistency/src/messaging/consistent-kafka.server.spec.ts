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

/**
 * kafkajs consumer stand-ins that only emit events; real consumption is covered in test/messaging.
 * `emitter` reaches the newest consumer, as the broker would.
 */
function fakeKafka() {
  const emitters: EventEmitter[] = [];
  const kafka = {
    consumer: () => {
      const emitter = new EventEmitter();
      emitters.push(emitter);
      return {
        events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
        on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
        connect: () => Promise.resolve(),
        subscribe: () => Promise.resolve(),
        run: () => Promise.resolve(),
        disconnect: () => Promise.resolve(),
      };
    },
  } as unknown as Kafka;
  const emitter = { emit: (event: string, payload: unknown) => emitters[emitters.length - 1].emit(event, payload) };
  return { kafka, emitter, consumers: () => emitters.length };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met within 5 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ConsistentKafkaServer', () => {
  function server(onFatal: (error: Error) => void, env: NodeJS.ProcessEnv = {}) {
    const { kafka, emitter, consumers } = fakeKafka();
    const state = new ConsumerState();
    const instance = new ConsistentKafkaServer({
      kafka,
      groupId: 'test-group',
      topics: ['order.events'],
      transactions: {} as TransactionHost,
      outbox: {} as OutboxService,
      options: loadConsumerOptions(env),
      state,
      metrics: new ConsumerMetrics(new Registry(), state),
      faults: new FaultInjector(),
      maxMessageBytes: 1_000_000,
      upcasters: {},
      onFatal,
    });
    return { instance, emitter, state, consumers };
  }

  it('when the consumer has not joined its group yet, then health says so', async () => {
    const { instance, emitter, state } = server(() => undefined);
    await instance.listen(() => undefined);
    expect(state.problem).toBe('the Kafka consumer has not joined its group yet');
    emitter.emit('consumer.group_join', { payload: {} });
    expect(state.problem).toBeUndefined();
    await instance.close();
  });

  it('when the consumer keeps crashing past the restart window, then health learns why and the fatal handler runs', async () => {
    const fatal: Error[] = [];
    const { instance, emitter, state, consumers } = server((error) => fatal.push(error), {
      CONSUMER_RESTART_WINDOW_MS: '50',
    });
    const startup: unknown[] = [];
    await instance.listen((error) => startup.push(error));
    expect(startup).toEqual([undefined]);
    emitter.emit('consumer.crash', { payload: { error: new Error('group coordinator gone'), restart: false } });
    await waitUntil(() => consumers() === 2);
    expect(fatal).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    emitter.emit('consumer.crash', { payload: { error: new Error('group coordinator gone'), restart: false } });
    expect(state.problem).toBe('Error: group coordinator gone');
    expect(fatal.map((error) => error.message)).toEqual(['group coordinator gone']);
    await instance.close();
  });

  it('when kafkajs gives up on the consumer, then it is rebuilt instead of the process dying', async () => {
    const fatal: Error[] = [];
    const { instance, emitter, state, consumers } = server((error) => fatal.push(error));
    await instance.listen(() => undefined);
    emitter.emit('consumer.group_join', { payload: {} });
    const expelled = Object.assign(new Error('The coordinator is not aware of this member'), {
      type: 'UNKNOWN_MEMBER_ID',
    });
    emitter.emit('consumer.crash', { payload: { error: new Error('wrapped', { cause: expelled }), restart: false } });
    expect(state.problem).toBe('the Kafka consumer has not joined its group yet');
    await waitUntil(() => consumers() === 2);
    emitter.emit('consumer.group_join', { payload: {} });
    expect(state.problem).toBeUndefined();
    expect(fatal).toHaveLength(0);
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
