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

/** A broker that cannot be reached, as kafkajs reports it. */
const unreachable = () =>
  Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' });

/**
 * kafkajs consumer stand-ins that only emit events; real consumption is covered in test/messaging.
 * `emitter` reaches the newest consumer, as the broker would; `refuseConnections` makes the next
 * connects fail as if the broker were down.
 */
function fakeKafka() {
  const emitters: EventEmitter[] = [];
  let refusals = 0;
  const kafka = {
    consumer: () => {
      const emitter = new EventEmitter();
      emitters.push(emitter);
      return {
        events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing' },
        on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
        connect: () => (refusals-- > 0 ? Promise.reject(unreachable()) : Promise.resolve()),
        subscribe: () => Promise.resolve(),
        run: () => Promise.resolve(),
        disconnect: () => Promise.resolve(),
      };
    },
  } as unknown as Kafka;
  const emitter = { emit: (event: string, payload: unknown) => emitters[emitters.length - 1].emit(event, payload) };
  return { kafka, emitter, consumers: () => emitters.length, refuseConnections: (times: number) => (refusals = times) };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met within 10 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ConsistentKafkaServer', () => {
  let clock = 0;

  function server(env: NodeJS.ProcessEnv = {}, registry = new Registry()) {
    const fake = fakeKafka();
    const state = new ConsumerState(() => clock);
    const instance = new ConsistentKafkaServer({
      kafka: fake.kafka,
      groupId: 'test-group',
      topics: ['order.events'],
      transactions: {} as TransactionHost,
      outbox: {} as OutboxService,
      options: loadConsumerOptions(env),
      state,
      metrics: new ConsumerMetrics(registry, state),
      faults: new FaultInjector(),
      maxMessageBytes: 1_000_000,
      upcasters: {},
    });
    return { instance, state, ...fake };
  }

  it('when the consumer has not joined its group yet, then health says so', async () => {
    const { instance, emitter, state, consumers } = server();
    instance.listen(() => undefined);
    await waitUntil(() => consumers() === 1);
    expect(state.problem).toBe('the Kafka consumer has not joined its group yet');
    emitter.emit('consumer.group_join', { payload: {} });
    expect(state.problem).toBeUndefined();
    await instance.close();
  });

  it('when the broker cannot be reached at start, then listen returns at once and the consumer keeps trying without failing liveness', async () => {
    const { instance, emitter, state, consumers, refuseConnections } = server();
    refuseConnections(2);
    const started: unknown[] = [];
    instance.listen((error) => started.push(error));
    expect(started).toEqual([undefined]);
    await waitUntil(() => consumers() === 2);
    clock += 120_000;
    expect(state.problem).toBe(
      'the Kafka consumer is reconnecting (the broker cannot be reached): KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    );
    expect(state.wedged(60_000)).toBeUndefined();
    await waitUntil(() => consumers() === 3);
    emitter.emit('consumer.group_join', { payload: {} });
    expect(state.problem).toBeUndefined();
    await instance.close();
  }, 15_000);

  it('when the consumer keeps crashing past the restart window while the broker answers, then liveness fails and it is still rebuilt', async () => {
    const { instance, emitter, state, consumers } = server();
    instance.listen(() => undefined);
    await waitUntil(() => consumers() === 1);
    emitter.emit('consumer.crash', { payload: { error: new Error('group coordinator gone'), restart: false } });
    await waitUntil(() => consumers() === 2);
    clock += 30_000;
    expect(state.wedged(60_000)).toBeUndefined();
    emitter.emit('consumer.crash', { payload: { error: new Error('group coordinator gone'), restart: false } });
    await waitUntil(() => consumers() === 3);
    clock += 31_000;
    expect(state.wedged(60_000)).toBe('the Kafka consumer has failed for 61 s: Error: group coordinator gone');
    emitter.emit('consumer.group_join', { payload: {} });
    expect(state.wedged(60_000)).toBeUndefined();
    await instance.close();
  });

  it('when kafkajs will restart the consumer itself, then nothing is reported', async () => {
    const { instance, emitter, state, consumers } = server();
    instance.listen(() => undefined);
    await waitUntil(() => consumers() === 1);
    emitter.emit('consumer.group_join', { payload: {} });
    emitter.emit('consumer.crash', { payload: { error: new Error('rebalancing'), restart: true } });
    expect(state.problem).toBeUndefined();
    expect(consumers()).toBe(1);
    await instance.close();
  });

  it('when the server is closed during a backoff, then no consumer is started again', async () => {
    const { instance, consumers, refuseConnections } = server();
    refuseConnections(100);
    instance.listen(() => undefined);
    await waitUntil(() => consumers() === 1);
    await instance.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(consumers()).toBe(1);
  });

  it('when it starts, then every dead-letter series of its topics exists from zero, compensations marked', async () => {
    const registry = new Registry();
    const { instance } = server({}, registry);
    instance.addHandler('order.cancelled', () => Promise.resolve(), true, { versions: [1], compensation: true });
    instance.addHandler('order.created', () => Promise.resolve(), true, { versions: [1], compensation: false });
    instance.listen(() => undefined);
    const text = await registry.getSingleMetricAsString('consumer_dead_letters_total');
    await instance.close();
    for (const reason of ['poison', 'retries-exhausted']) {
      expect(text).toContain(
        `{topic="order.events",event_type="order.cancelled",reason="${reason}",compensation="true"} 0`,
      );
      expect(text).toContain(
        `{topic="order.events",event_type="order.created",reason="${reason}",compensation="false"} 0`,
      );
      expect(text).toContain(`{topic="order.events",event_type="unknown",reason="${reason}",compensation="false"} 0`);
    }
    // A type of another topic never becomes a series here.
    expect(text).not.toContain('inventory.reserved');
  });
});
