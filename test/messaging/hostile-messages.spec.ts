import { randomUUID } from 'node:crypto';
import { IHeaders, Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { consumerGroupId, DeadLetterHeaders, toOutboxMessage } from '@app/consistency/tools';
import { manifestOf, SERVICE_NAMES, ServiceName } from '../../scripts/services';
import { deadLetterTopic, EventPayloads, EventType, Topic, Topics } from '@app/contracts';
import { authHeaders } from '../../scripts/auth/auth-headers';
import { putStock, postOrder } from '../../scripts/http/saga-requests';
import { checkInvariants } from '@app/ops';
import { waitFor } from '../../scripts/infra/run-command';
import { ServiceProcess, spawnService, waitUntilHealthy } from '../../scripts/stack/service-process';
import { testInfra } from '../support/infra-env';
import { ReadMessage, TopicReader } from '../../scripts/kafka/topic-reader';

interface OrderView {
  orderId: string;
  status: string;
  saga: Array<{ step: string; status: string }>;
}

/** A raw Kafka message as an attacker with a plain client would send it. */
interface Hostile {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
}

interface Sent {
  topic: Topic;
  partition: number;
  name: string;
  reason: RegExp;
  offset: string;
  probeOffset: string;
  sentAt: number;
}

/** Shipping's carrier answers after two minutes: orders wait in STOCK_RESERVED, where a forged outcome could move them. */
const SLOW_CARRIER: NodeJS.ProcessEnv = {
  CARRIER_LATENCY_MS: '120000',
  CARRIER_TIMEOUT_MS: '150000',
  CARRIER_ATTEMPTS: '1',
  SHIPMENT_LOCK_TTL_MS: '160000',
  LOCK_MAX_TTL_MS: '200000',
};

/** Invariant 7 of docs/invariants.md: a message that is not a valid event of its topic moves no state and stalls nothing. */
describe('hostile messages on every consumed topic', () => {
  const infra = testInfra();
  const kafka = new Kafka({ clientId: 'attacker', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const services = new Map<ServiceName, ServiceProcess>();
  const since = new Date();
  let producer: Producer;
  let orderDb: Client;
  let inventoryDb: Client;
  let shippingDb: Client;
  const readers = new Map<Topic, TopicReader>();

  const url = (service: ServiceName) => services.get(service)?.url ?? '';

  async function start(service: ServiceName, env: NodeJS.ProcessEnv = {}): Promise<void> {
    const process = await spawnService(service, { SAGA_STEP_TIMEOUT_MS: '300000', ...env });
    services.set(service, process);
    await waitUntilHealthy(process);
  }

  beforeAll(async () => {
    await Promise.all(SERVICE_NAMES.map((service) => start(service, service === 'shipping' ? SLOW_CARRIER : {})));
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    [orderDb, inventoryDb, shippingDb] = [
      infra.databaseUrl('order'),
      infra.databaseUrl('inventory'),
      infra.databaseUrl('shipping'),
    ].map((connectionString) => new Client({ connectionString }));
    await Promise.all([orderDb.connect(), inventoryDb.connect(), shippingDb.connect()]);
    for (const topic of Object.values(Topics)) {
      readers.set(topic, await new TopicReader(infra.kafkaBrokers, deadLetterTopic(topic)).start());
    }
  });

  afterAll(async () => {
    await Promise.all([...readers.values()].map((reader) => reader.stop()));
    await Promise.all([orderDb?.end(), inventoryDb?.end(), shippingDb?.end()]);
    await producer?.disconnect();
    await Promise.all([...services.values()].map((service) => service.stop()));
  });

  async function seed(available: number): Promise<string> {
    const sku = `HOSTILE-${randomUUID().slice(0, 8)}`;
    const response = await putStock(url('inventory'), sku, available);
    expect(response.status).toBe(200);
    return sku;
  }

  async function place(sku: string): Promise<string> {
    const response = await postOrder(url('order'), 'hostile', { sku });
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string }).orderId;
  }

  async function order(orderId: string): Promise<OrderView> {
    return (await (
      await fetch(`${url('order')}/orders/${orderId}`, { headers: await authHeaders('hostile') })
    ).json()) as OrderView;
  }

  function until(orderId: string, statuses: string[], timeoutMs = 30_000): Promise<OrderView> {
    return waitFor(
      `order ${orderId} to be ${statuses.join(' or ')}`,
      async () => {
        const view = await order(orderId);
        return statuses.includes(view.status) ? view : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Everything the forged messages could touch for one order, across the services. */
  async function stateOf(orderId: string, sku: string) {
    const [orders, steps, reservations, stock, shipments] = await Promise.all([
      orderDb.query('SELECT status, failure_reason FROM orders WHERE id = $1', [orderId]),
      orderDb.query('SELECT count(*)::int AS n FROM saga_steps WHERE order_id = $1', [orderId]),
      inventoryDb.query('SELECT status FROM reservations WHERE order_id = $1', [orderId]),
      inventoryDb.query('SELECT available, reserved FROM stock_items WHERE sku = $1', [sku]),
      shippingDb.query('SELECT status FROM shipments WHERE order_id = $1', [orderId]),
    ]);
    return {
      orders: orders.rows,
      steps: steps.rows,
      reservations: reservations.rows,
      stock: stock.rows,
      shipments: shipments.rows,
    };
  }

  function envelope<T extends EventType>(type: T, orderId: string, payload: EventPayloads[T]) {
    return toOutboxMessage({ type, orderId, payload });
  }

  /** A valid event of `topic` for `orderId` that every consumer of the topic processes or ignores. */
  function probe(topic: Topic, orderId: string) {
    const { message } = {
      [Topics.order]: () => envelope('order.cancelled', orderId, { reason: 'probe' }),
      [Topics.inventory]: () => envelope('inventory.released', orderId, { items: [] }),
      [Topics.shipping]: () => envelope('shipping.failed', orderId, { reason: 'probe' }),
    }[topic]();
    return { key: message.key, value: message.value, headers: message.headers };
  }

  /**
   * A real event of `topic` that every consumer of the topic acts on for `orderId` (so every group
   * must check it), as a template to corrupt: had it passed, it would have moved the target.
   */
  function real(topic: Topic, orderId: string) {
    const { envelope: body } = {
      [Topics.order]: () => envelope('order.cancelled', orderId, { reason: 'forged' }),
      [Topics.inventory]: () =>
        envelope('inventory.reserved', orderId, {
          items: [{ sku: 'FORGED', quantity: 1 }],
          shippingAddress: { country: 'DE' },
        }),
      [Topics.shipping]: () => envelope('shipping.failed', orderId, { reason: 'forged' }),
    }[topic]();
    return body as unknown as Record<string, unknown>;
  }

  /** The cases of the issue and more, each built for one topic against the order it targets. */
  function hostileCases(topic: Topic, target: string): Array<[string, Hostile, RegExp]> {
    const json = (value: unknown) => JSON.stringify(value);
    const base = real(topic, target);
    const keyed = (value: unknown, headers: IHeaders = {}): Hostile => ({ key: target, value: json(value), headers });
    const foreign = {
      [Topics.order]: envelope('shipping.failed', target, { reason: 'forged' }).envelope,
      [Topics.inventory]: envelope('order.cancelled', target, { reason: 'forged' }).envelope,
      [Topics.shipping]: envelope('inventory.released', target, { items: [] }).envelope,
    }[topic];
    return [
      [
        'a type spelled as a JSON string',
        keyed({ ...base, type: json('shipping.scheduled'), payload: {} }),
        /unknown event type/,
      ],
      ['a type in other case', keyed({ ...base, type: String(base.type).toUpperCase() }), /unknown event type/],
      ['a prototype property as type', keyed({ ...base, type: 'constructor' }), /unknown event type/],
      ['a type another topic carries', keyed(foreign), /is not carried by/],
      ['a key that is not the orderId', { key: randomUUID(), value: json(base) }, /key is not the envelope's orderId/],
      [
        'a non-UUID orderId',
        { key: 'order-1', value: json({ ...base, orderId: 'order-1' }) },
        /orderId must be a UUID/,
      ],
      ['a bad occurredAt', keyed({ ...base, occurredAt: 'yesterday' }), /occurredAt must be an ISO-8601/],
      ['a 300 KB id', keyed({ ...base, id: 'x'.repeat(300_000) }), /id must be a UUID|over the/],
      ['an empty payload', keyed({ ...base, payload: {} }), /invalid .* payload/],
      ['a NUL in the payload', keyed({ ...base, payload: { reason: 'a\u0000b' } }), /payload/],
      ['a version from the future', keyed({ ...base, version: 99 }), /version 99 is not accepted/],
      ['an unknown envelope field', keyed({ ...base, admin: true }), /unknown field/],
      ['headers that contradict the envelope', keyed(base, { 'event-type': 'order.created' }), /header event-type/],
      ['bad JSON', { key: target, value: '{"id": "unterminated' }, /not JSON/],
      ['a value that is not UTF-8', { key: target, value: Buffer.from([0x7b, 0xff, 0xfe]) }, /not valid UTF-8/],
      ['a NUL byte in the key', { key: Buffer.from(`${target}\u0000`), value: json(base) }, /key/],
      ['a NUL in a header name', keyed(base, { 'x-evil\u0000name': 'v' }), /header name/],
      ['an oversized key', { key: Buffer.alloc(200_000, 'k'), value: json(base) }, /the key is 200000 bytes/],
      ['headers over the limit', keyed(base, { 'x-padding': 'p'.repeat(50_000) }), /headers are \d+ bytes/],
      ['an empty value', { key: target, value: null }, /empty message value/],
    ];
  }

  async function produce(topic: Topic, partition: number, message: Hostile): Promise<string> {
    const [metadata] = await producer.send({ topic, acks: -1, messages: [{ ...message, partition }] });
    return metadata.baseOffset ?? '';
  }

  function lettersOf(topic: Topic, partition: number, offset: string): ReadMessage[] {
    return (readers.get(topic)?.messages ?? []).filter(
      (letter) =>
        letter.headers[DeadLetterHeaders.originalTopic] === topic &&
        letter.headers[DeadLetterHeaders.originalPartition] === String(partition) &&
        letter.headers[DeadLetterHeaders.originalOffset] === offset,
    );
  }

  const groupsOf = (topic: Topic) =>
    SERVICE_NAMES.filter((service) => manifestOf(service).consumes.includes(topic)).map(consumerGroupId);

  it('when hostile messages arrive on every consumed topic, then each is dead-lettered at once, the partition moves on and no state moves', async () => {
    const sku = await seed(5);
    const target = await place(sku);
    await until(target, ['STOCK_RESERVED']);
    const probeOrder = await place(`UNSTOCKED-${randomUUID().slice(0, 8)}`);
    await until(probeOrder, ['CANCELLED']);
    const before = await stateOf(target, sku);

    const sent: Sent[] = [];
    for (const topic of Object.values(Topics)) {
      const cases = hostileCases(topic, target);
      for (const [index, [name, message, reason]] of cases.entries()) {
        const partition = index % 3;
        const sentAt = Date.now();
        const offset = await produce(topic, partition, message);
        const probeOffset = await produce(topic, partition, probe(topic, probeOrder));
        sent.push({ topic, partition, name, reason, offset, probeOffset, sentAt });
      }
    }

    const latencies: number[] = [];
    for (const item of sent) {
      const groups = groupsOf(item.topic);
      const letters = await waitFor(
        `${item.name} on ${item.topic} to be dead-lettered by ${groups.join(', ')}`,
        () => {
          const found = lettersOf(item.topic, item.partition, item.offset);
          return Promise.resolve(found.length >= groups.length ? found : undefined);
        },
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      expect(letters.map((letter) => letter.headers[DeadLetterHeaders.consumer]).sort()).toEqual([...groups].sort());
      for (const letter of letters) {
        latencies.push(Date.parse(letter.headers[DeadLetterHeaders.failedAt]) - item.sentAt);
        expect({ case: item.name, reason: letter.headers[DeadLetterHeaders.reason] }).toEqual({
          case: item.name,
          reason: 'poison',
        });
        expect({ case: item.name, attempts: letter.headers[DeadLetterHeaders.attempts] }).toEqual({
          case: item.name,
          attempts: '0',
        });
        expect(letter.headers[DeadLetterHeaders.error]).toMatch(item.reason);
      }
    }
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `${latencies.length} dead letters of ${sent.length} hostile messages: ` +
        `p50 ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies.at(-1)} ms after the send\n`,
    );
    // Nothing was retried (attempts 0 above); this only catches a partition that stopped for seconds.
    expect(latencies.at(-1)).toBeLessThan(3000);

    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const topic of Object.values(Topics)) {
        for (const groupId of groupsOf(topic)) {
          await waitFor(
            `${groupId} to commit past every probe on ${topic}`,
            async () => {
              const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
              const behind = sent.filter(
                (item) =>
                  item.topic === topic &&
                  BigInt(committed.partitions.find((entry) => entry.partition === item.partition)?.offset ?? '-1') <=
                    BigInt(item.probeOffset),
              );
              return behind.length === 0 ? true : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 200 },
          );
        }
      }
    } finally {
      await admin.disconnect();
    }
    expect(sent.flatMap((item) => lettersOf(item.topic, item.partition, item.probeOffset))).toEqual([]);
    const { rows: skipped } = await orderDb.query('SELECT 1 FROM skipped_messages WHERE skipped_at >= $1', [since]);
    expect(skipped).toEqual([]);
    expect(await stateOf(target, sku)).toEqual(before);
    for (const service of SERVICE_NAMES) {
      expect((await fetch(`${url(service)}/health`)).status).toBe(200);
    }

    // With a carrier that answers, the target saga ends as if nothing had happened, as does a new order.
    await services.get('shipping')?.stop();
    await start('shipping');
    const after = await place(sku);
    expect((await until(target, ['COMPLETED', 'CANCELLED'], 60_000)).status).toBe('COMPLETED');
    expect((await until(after, ['COMPLETED', 'CANCELLED'], 60_000)).status).toBe('COMPLETED');
    const databaseUrls = Object.fromEntries(SERVICE_NAMES.map((service) => [service, infra.databaseUrl(service)]));
    await waitFor(
      'the invariant checker to find nothing',
      async () => {
        const violations = await checkInvariants(databaseUrls, { since });
        return violations.length === 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  });
});
