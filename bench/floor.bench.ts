import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { infraUp } from '../scripts/infra/infra';
import { createTestDatabase } from '../scripts/harness/test-database';
import { createTopic, deleteTopic } from '../scripts/infra/topics';
import { cpuSeconds, kafkaCpu, ownCpuSeconds, postgresCpu } from './process-cpu';
import { runBenchmark, writeResult } from './results';
import { format, printTable } from './stats';

/**
 * The floor under an order's CPU on this machine: what one SQL statement, one commit, one Kafka event
 * and one HTTP request cost — client and server processes together — with the project's own
 * PostgreSQL and Kafka and none of the project's code in between. Multiplied by what one order needs
 * within the DESIGN budgets, it is the least CPU per order any implementation of this saga shape
 * can reach here; the saga bench's figure is compared with it.
 */
const { values: options } = parseArgs({
  options: {
    statements: { type: 'string', default: '20000' },
    commits: { type: 'string', default: '3000' },
    events: { type: 'string', default: '1500' },
    requests: { type: 'string', default: '5000' },
  },
});

/** One order inside the DESIGN budgets, on the happy path. */
const ORDER = {
  statements: 25,
  commits: 8,
  /** order.created, inventory.reserved, shipping.scheduled, order.completed. */
  events: 4,
  /**
   * Each event goes to every group subscribed to its topic: order.events to inventory, shipping and
   * notification, inventory.events to order and shipping, shipping.events to order and inventory.
   */
  deliveries: 10,
  /** POST /orders and one long poll for the outcome. */
  requests: 2,
};

const ROW = 'x'.repeat(200);
/** Units of each part run before measuring: the JIT of Node and of the broker's JVM warms up on them. */
const WARM_UP = 500;
/** Events per produce request (and so per fetch): one, as at low rates, and ten, as batching under load gets. */
const BATCHES = [1, 10] as const;

/** CPU microseconds per unit of `work` (which returns how many units it did), over the given processes. */
async function perUnit(cpu: () => number, work: () => Promise<number>): Promise<number> {
  const before = cpu();
  const units = await work();
  return ((cpu() - before) * 1e6) / units;
}

const withPostgres = () => ownCpuSeconds() + postgresCpu();
const withKafka = () => ownCpuSeconds() + kafkaCpu();

async function sqlCosts(databaseUrl: string): Promise<{ statement: number; commit: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE TABLE floor_rows (id bigint PRIMARY KEY, body text NOT NULL)');
    let id = 0;
    const insert = () =>
      client.query({
        name: 'floor-insert',
        text: 'INSERT INTO floor_rows (id, body) VALUES ($1, $2)',
        values: [++id, ROW],
      });
    for (let i = 0; i < WARM_UP; i++) {
      await insert();
    }
    const statements = Number(options.statements);
    const statement = await perUnit(withPostgres, async () => {
      await client.query('BEGIN');
      for (let i = 0; i < statements; i++) {
        await insert();
      }
      await client.query('COMMIT');
      return statements + 2;
    });
    // Each statement on its own commits (and waits for its WAL flush): what a commit adds is the difference.
    const commits = Number(options.commits);
    const committed = await perUnit(withPostgres, async () => {
      for (let i = 0; i < commits; i++) {
        await insert();
      }
      return commits;
    });
    return { statement, commit: committed - statement };
  } finally {
    await client.end();
  }
}

/**
 * CPU per event sent by an idempotent producer (acks from all replicas, as the relay sends) and
 * fetched by `groups` consumer groups, `batch` events per request: at the saga's low rates most
 * requests carry one event, and more as the load grows.
 */
async function eventCost(brokers: string[], groups: number, batch: number): Promise<number> {
  const topic = `bench-floor-${randomUUID()}`;
  await createTopic(brokers, topic, 1);
  const kafka = new Kafka({ clientId: 'bench-floor', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const seen = Array.from({ length: groups }, () => 0);
  let arrived: (() => void) | undefined;
  const consumers = Array.from({ length: groups }, () => kafka.consumer({ groupId: `bench-floor-${randomUUID()}` }));
  try {
    await producer.connect();
    await Promise.all(
      consumers.map(async (consumer, group) => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        // No offset commits at all (the services commit once a second): a floor leaves out what it can.
        await consumer.run({
          autoCommit: false,
          eachBatch: ({ batch }) => {
            seen[group] += batch.messages.length;
            arrived?.();
            return Promise.resolve();
          },
        });
      }),
    );
    let sent = 0;
    const sendBatch = async () => {
      const fetched = new Promise<void>((resolve) => {
        arrived = () => {
          if (seen.every((count) => count >= sent)) {
            resolve();
          }
        };
      });
      const messages = Array.from({ length: batch }, () => ({ key: `order-${++sent % 200}`, value: ROW }));
      await producer.send({ topic, acks: -1, messages });
      await fetched;
    };
    // The first events wait for the groups to join; they are not measured.
    while (sent < WARM_UP) {
      await sendBatch();
    }
    const events = Number(options.events);
    return await perUnit(withKafka, async () => {
      const from = sent;
      while (sent - from < events) {
        await sendBatch();
      }
      return sent - from;
    });
  } finally {
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    await producer.disconnect();
    await deleteTopic(brokers, topic);
  }
}

/** A bare node:http server answering a small JSON body: every request of every service costs at least this. */
const SERVER = `require('node:http')
  .createServer((request, response) => {
    request.resume();
    response.setHeader('content-type', 'application/json');
    response.end('{"orderId":"0","status":"PENDING"}');
  })
  .listen(0, '127.0.0.1', function () { process.send(this.address().port); });`;

async function requestCost(): Promise<number> {
  const server: ChildProcess = spawn(process.execPath, ['-e', SERVER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const [port] = (await once(server, 'message')) as [number];
    const url = `http://127.0.0.1:${port}/orders`;
    const ask = async () => (await fetch(url, { method: 'POST', body: '{"items":[]}' })).text();
    for (let i = 0; i < WARM_UP; i++) {
      await ask();
    }
    const requests = Number(options.requests);
    return await perUnit(
      () => cpuSeconds(server.pid),
      async () => {
        for (let i = 0; i < requests; i++) {
          await ask();
        }
        return requests;
      },
    );
  } finally {
    server.kill();
  }
}

interface EventCosts {
  batch: number;
  /** CPU µs per event produced, and per event fetched by one group. */
  produced: number;
  fetched: number;
}

async function main(): Promise<void> {
  const infra = await infraUp(() => undefined);
  const database = await createTestDatabase(infra.adminUrl, 'bench_floor');
  try {
    const sql = await sqlCosts(database.url);
    // A first pass only warms the broker's JIT up, so the passes that count compare like with like.
    await eventCost(infra.kafkaBrokers, 1, 1);
    const events: EventCosts[] = [];
    for (const batch of BATCHES) {
      const oneGroup = await eventCost(infra.kafkaBrokers, 1, batch);
      const threeGroups = await eventCost(infra.kafkaBrokers, 3, batch);
      const fetched = (threeGroups - oneGroup) / 2;
      events.push({ batch, produced: oneGroup - fetched, fetched });
    }
    const request = await requestCost();
    const parts = (batch: EventCosts) => [
      { part: 'SQL statement (client + server)', each: sql.statement, perOrder: ORDER.statements },
      { part: 'commit, beyond its statement (WAL flush)', each: sql.commit, perOrder: ORDER.commits },
      { part: 'event produced (client + broker)', each: batch.produced, perOrder: ORDER.events },
      { part: 'event fetched by one group (client + broker)', each: batch.fetched, perOrder: ORDER.deliveries },
      { part: 'HTTP request, bare node:http (server)', each: request, perOrder: ORDER.requests },
    ];
    const floors = events.map((batch) => {
      const byPart = parts(batch);
      return {
        eventsPerRequest: batch.batch,
        parts: byPart,
        floorMs: byPart.reduce((sum, { each, perOrder }) => sum + (each * perOrder) / 1000, 0),
      };
    });
    const [single, batched] = floors;
    printTable(
      'What the parts of an order cost on this machine (CPU µs, all processes involved)',
      ['part', 'per order', `µs each, 1 event/request`, `µs each, ${batched.eventsPerRequest}/request`, 'ms per order'],
      single.parts.map(({ part, each, perOrder }, index) => [
        part,
        perOrder,
        each,
        batched.parts[index].each,
        `${format((each * perOrder) / 1000)} – ${format((batched.parts[index].each * perOrder) / 1000)}`,
      ]),
    );
    process.stdout.write(
      `\nFloor of one order within the budgets (${ORDER.statements} statements, ${ORDER.commits} commits, ` +
        `${ORDER.events} events, ${ORDER.deliveries} deliveries, ${ORDER.requests} requests), in CPU ms: ` +
        `${format(single.floorMs)} with one event per request, ${format(batched.floorMs)} with ` +
        `${batched.eventsPerRequest}; DESIGN budget 6. On 2 cores: at most ${format(2000 / single.floorMs)} – ` +
        `${format(2000 / batched.floorMs)} orders/s.\n`,
    );
    const at = new Date().toISOString();
    writeResult('floor', at, { benchmark: 'floor', at, order: ORDER, floors, floorMs: batched.floorMs });
  } finally {
    await database.drop();
  }
}

runBenchmark(main);
