import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { consumerGroupId, FaultAction, FaultPoint, toOutboxMessage } from '@app/consistency/tools';
import type { ServiceManifest } from '@app/consistency';
import { manifestOf, MANIFESTS, SERVICE_NAMES, ServiceName } from '../services';
import { ALL_TOPICS, deadLetterTopic, Topic, Topics } from '@app/contracts';
import { InfraEndpoints } from '../infra/infra';
import { startEmbeddedKafka, stopEmbeddedKafka } from '../infra/kafka';
import { InfraLayout } from '../infra/layout';
import { serviceDatabaseName, startEmbeddedPostgres, stopEmbeddedPostgres } from '../infra/postgres';
import { InfraSettings } from '../infra/settings';
import type { Cluster } from './cluster';
import type { TopicTap } from './topic-tap';

export const CHAOS_FAULTS = [
  'kill',
  'crash-point',
  'broker-restart',
  'postgres-restart',
  'terminate-connections',
  'duplicates',
  'offset-reset',
  'poison',
] as const;

export type ChaosFault = (typeof CHAOS_FAULTS)[number];

/**
 * Which services can hit each fault point, from their manifests: the relay's points where a
 * service publishes events, the consumer's where it consumes, the Idempotency-Key's where it takes
 * idempotent writes, and each service's own points.
 */
type Owns = (manifest: ServiceManifest) => boolean;
const ownerRules: Array<[FaultPoint, Owns]> = [
  ['outbox.after-commit-before-publish', (manifest) => (manifest.produces ?? []).length > 0],
  ['outbox.after-publish-before-mark', (manifest) => (manifest.produces ?? []).length > 0],
  ['consumer.after-commit-before-offset-commit', (manifest) => manifest.consumes.length > 0],
  ['idempotency.after-key-locked', (manifest) => manifest.patterns.idempotency === true],
  ...MANIFESTS.flatMap((own) => (own.faultPoints ?? []).map((point): [FaultPoint, Owns] => [point, (m) => m === own])),
];
const POINT_OWNERS: ReadonlyMap<FaultPoint, readonly ServiceName[]> = new Map(
  ownerRules.map(([point, owns]) => [point, MANIFESTS.filter(owns).map((manifest) => manifest.name)]),
);

export interface FaultContext {
  cluster: Cluster;
  infra: InfraEndpoints;
  settings: InfraSettings;
  layout: InfraLayout;
  tap: TopicTap;
  random: () => number;
  log: (line: string) => void;
  /** Keys of the poison messages sent, by the topic they went to; each must reach its dead-letter topic. */
  poison: Map<string, string>;
}

const pickOne = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Breaks something for real; returns a one-line description of what it did. */
export async function injectFault(fault: ChaosFault, context: FaultContext): Promise<string> {
  switch (fault) {
    case 'kill':
      return kill(context);
    case 'crash-point':
      return armPoint(context);
    case 'broker-restart':
      return restartBroker(context);
    case 'postgres-restart':
      return restartPostgres(context);
    case 'terminate-connections':
      return terminateConnections(context);
    case 'duplicates':
      return produceDuplicates(context);
    case 'offset-reset':
      return resetOffsets(context);
    case 'poison':
      return producePoison(context);
  }
}

/** Faults that need the embedded servers; with external ones they are left out. */
export function faultsAvailable(faults: readonly ChaosFault[], infra: InfraEndpoints): ChaosFault[] {
  return faults.filter(
    (fault) =>
      (fault !== 'broker-restart' || infra.started.kafka) && (fault !== 'postgres-restart' || infra.started.postgres),
  );
}

function kill({ cluster, random }: FaultContext): string {
  const victim = pickOne(
    random,
    cluster.instances.filter((instance) => instance.process),
  );
  if (!victim) {
    return 'kill: every instance is already down';
  }
  cluster.kill(victim);
  return `SIGKILL ${victim.name}`;
}

async function armPoint({ cluster, random }: FaultContext): Promise<string> {
  const point = pickOne(random, [...POINT_OWNERS.keys()]);
  const target = cluster.pick(pickOne(random, POINT_OWNERS.get(point) ?? []));
  if (!target) {
    return `${point}: no live instance to arm`;
  }
  const action: FaultAction = random() < 0.7 ? { kind: 'crash', times: 1 } : { kind: 'throw', times: 3 };
  await cluster.arm(target, point, action);
  return `armed ${point}:${action.kind} on ${target.name}`;
}

async function restartBroker({ settings, layout }: FaultContext): Promise<string> {
  const started = Date.now();
  await stopEmbeddedKafka(layout);
  await sleep(1000);
  await startEmbeddedKafka(
    layout,
    { client: settings.kafkaPort, controller: settings.kafkaControllerPort },
    settings.kafkaHeap,
  );
  return `Kafka broker restarted (down ${Date.now() - started} ms)`;
}

async function restartPostgres({ settings, layout }: FaultContext): Promise<string> {
  const started = Date.now();
  await stopEmbeddedPostgres(layout);
  await sleep(1000);
  await startEmbeddedPostgres(layout, settings.postgresPort);
  return `PostgreSQL restarted (down ${Date.now() - started} ms)`;
}

async function terminateConnections({ infra, random }: FaultContext): Promise<string> {
  const service = pickOne(random, SERVICE_NAMES);
  const admin = new Client({ connectionString: infra.adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [serviceDatabaseName(service)],
    );
    return `pg_terminate_backend on ${rowCount ?? 0} connection(s) of ${service}`;
  } finally {
    await admin.end();
  }
}

/**
 * Raw copies of real events, shuffled, half of them with forged routing headers: a correlation id
 * of another flow and Nest's reply headers. Consumers must treat every copy as a duplicate.
 */
async function produceDuplicates({ infra, tap, random }: FaultContext): Promise<string> {
  const copies = tap.sample(20, random);
  if (copies.length === 0) {
    return 'duplicates: nothing seen yet';
  }
  await produce(
    infra.kafkaBrokers,
    copies.map((copy) => ({
      topic: copy.topic,
      key: copy.key,
      value: copy.value,
      headers:
        random() < 0.5
          ? {
              ...copy.headers,
              'correlation-id': randomUUID(),
              kafka_replyTopic: pickOne(random, ALL_TOPICS),
              kafka_correlationId: randomUUID(),
            }
          : copy.headers,
    })),
  );
  return `re-produced ${copies.length} real events (some with forged headers)`;
}

/** Stops a consumer's every instance, rewinds its group to the start of its topics, starts them again. */
async function resetOffsets({ cluster, infra, random, log }: FaultContext): Promise<string> {
  const service = pickOne(random, SERVICE_NAMES);
  await cluster.hold(service);
  const admin = new Kafka({ clientId: 'chaos', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    for (const topic of manifestOf(service).consumes) {
      // A killed member stays in the group until its session expires; resetting waits for that.
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          await admin.resetOffsets({ groupId: consumerGroupId(service), topic, earliest: true });
          break;
        } catch (error) {
          if (Date.now() > deadline) {
            log(`offset reset of ${service} on ${topic} gave up: ${(error as Error).message}`);
            break;
          }
          await sleep(500);
        }
      }
    }
  } finally {
    await admin.disconnect();
    cluster.release(service);
  }
  return `${consumerGroupId(service)} rewound to the start of ${manifestOf(service).consumes.join(', ')}`;
}

/** Bad JSON, NUL bytes and an oversized value anywhere; an unknown version and missing fields where they are handled. */
async function producePoison({ infra, random, poison }: FaultContext): Promise<string> {
  const anywhere = pickOne(random, ALL_TOPICS);
  const orderCreated = (version: number, payload: unknown) => {
    const { message } = toOutboxMessage({
      type: 'order.created',
      orderId: randomUUID(),
      payload: { customerId: 'poison', items: [{ sku: 'POISON', quantity: 1 }], shippingAddress: { country: 'DE' } },
    });
    return JSON.stringify({ ...(JSON.parse(message.value) as object), version, payload });
  };
  const values: Array<[Topic, string]> = [
    [anywhere, '{"id": "unterminated'],
    [anywhere, 'binary\u0000value'],
    [anywhere, JSON.stringify({ padding: 'x'.repeat(150_000) })],
    // Inventory handles order.created, so that is where a bad one must be caught.
    [Topics.order, orderCreated(99, { customerId: 'poison' })],
    [Topics.order, orderCreated(1, {})],
  ];
  const messages = values.map(([topic, value]) => ({ topic, key: `poison-${randomUUID()}`, value, headers: {} }));
  messages.forEach((message) => poison.set(message.key, message.topic));
  await produce(infra.kafkaBrokers, messages);
  return `${messages.length} poison messages (bad JSON, NUL bytes, oversized, unknown version, missing fields)`;
}

async function produce(
  brokers: string[],
  messages: Array<{ topic: string; key: string; value: string; headers: Record<string, string> }>,
): Promise<void> {
  const producer = new Kafka({ clientId: 'chaos', brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    for (const { topic, ...message } of messages) {
      await producer.send({ topic, acks: -1, messages: [message] });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Poison keys that reached no dead-letter topic. */
export function poisonNotDeadLettered(context: Pick<FaultContext, 'tap' | 'poison'>): string[] {
  return [...context.poison]
    .filter(([key, topic]) => !context.tap.has(deadLetterTopic(topic), key))
    .map(([key]) => key);
}
