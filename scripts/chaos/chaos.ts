import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ServiceName } from '../services';
import { adminHeaders } from '../auth/auth-headers';
import { putStock } from '../http/saga-requests';
import { infraUp } from '../infra/infra';
import { infraLayout } from '../infra/layout';
import { infraSettings } from '../infra/settings';
import { checkInvariants, Violation, violationsOnceSettled } from '@app/ops';
import { Cluster } from './cluster';
import { ChaosFault, faultsAvailable, injectFault, poisonNotDeadLettered } from './faults';
import { ClientStats, newClientStats, OrderRequest, placeOrder } from './order-clients';
import { seededRandom } from './seeded-random';
import { TopicTap } from './topic-tap';

export interface ChaosOptions {
  orders: number;
  /** Arrival rate of new orders (open loop: a slow service does not slow the arrivals). */
  ordersPerSecond: number;
  instancesPerService: number;
  faults: readonly ChaosFault[];
  /** A fault every `faultEveryMs` on average (uniform between half and one and a half of it). */
  faultEveryMs: number;
  /** `round-robin` injects each fault in turn, so a short run still meets every kind. */
  faultOrder: 'random' | 'round-robin';
  seed: number;
  /** The bound within which every saga must be terminal and every invariant hold once faults stop. */
  quiesceBoundMs: number;
  /** Where each instance's log is written. */
  logDir: string;
  log: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  orders: {
    requested: number;
    accepted: number;
    completed: number;
    cancelled: number;
    /** Why orders were cancelled, by the reason's leading words (SKUs and counts left out). */
    cancelReasons: Record<string, number>;
    clientRetries: number;
    clientsShed: number;
    clientsGaveUp: number;
  };
  faults: Partial<Record<ChaosFault, number>>;
  restarts: Record<string, number>;
  poisonSent: number;
  violations: Violation[];
  loadSeconds: number;
  quiesceSeconds: number;
  quiesceBoundSeconds: number;
}

/** What the services run with under chaos: saga deadlines short enough that stuck sagas end well within the bound. */
const SERVICE_ENV: Partial<Record<ServiceName, NodeJS.ProcessEnv>> = {
  order: { SAGA_STEP_TIMEOUT_MS: '30000', SAGA_SCAN_INTERVAL_MS: '500' },
  // A SIGKILLed booking leaves its lock and claim to lapse before the worker books it again.
  shipping: { CARRIER_RETRY_BASE_MS: '50', CARRIER_TIMEOUT_MS: '1000', SHIPMENT_LOCK_TTL_MS: '5000' },
};
const COMMON_ENV: NodeJS.ProcessEnv = {
  // Small enough that the oversized poison fits under the broker's limit.
  OUTBOX_MAX_MESSAGE_BYTES: '100000',
  CONSUMER_SESSION_TIMEOUT_MS: process.env.CONSUMER_SESSION_TIMEOUT_MS ?? '4000',
  CONSUMER_HEARTBEAT_INTERVAL_MS: process.env.CONSUMER_HEARTBEAT_INTERVAL_MS ?? '500',
  CONSUMER_REBALANCE_TIMEOUT_MS: process.env.CONSUMER_REBALANCE_TIMEOUT_MS ?? '8000',
};

/**
 * Orders flow from retrying clients into every service running several times over while faults are
 * injected at random; then the faults stop, and every order must reach a terminal state and every
 * invariant of docs/invariants.md hold within the stated bound.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const random = seededRandom(options.seed);
  const settings = infraSettings();
  const layout = infraLayout(settings.localDir);
  const infra = await infraUp(() => undefined, settings, layout);
  const faults = faultsAvailable(options.faults, infra);
  const since = await databaseNow(infra.databaseUrls.order);
  const env = Object.fromEntries(
    (['order', 'inventory', 'shipping', 'notification'] as ServiceName[]).map((service) => [
      service,
      { ...COMMON_ENV, ...SERVICE_ENV[service] },
    ]),
  );
  log(`starting ${options.instancesPerService} instance(s) of each service`);
  mkdirSync(options.logDir, { recursive: true });
  const cluster = await Cluster.start({
    instancesPerService: options.instancesPerService,
    env,
    log,
    random,
    logDir: options.logDir,
  });
  const tap = await new TopicTap(infra.kafkaBrokers).start();
  const stats = newClientStats();
  const poison = new Map<string, string>();
  const injected: Partial<Record<ChaosFault, number>> = {};
  try {
    const catalogue = await seedStock(cluster, options.orders);
    log(`placing ${options.orders} orders at ${options.ordersPerSecond}/s; faults: ${faults.join(', ') || 'none'}`);
    const loadStarted = Date.now();
    let loading = true;
    let count = 0;
    // Round-robin goes on past the load until every kind has happened once.
    const more = () =>
      faults.length > 0 && (loading || (options.faultOrder === 'round-robin' && count < faults.length));
    const faulting = (async () => {
      while (more()) {
        await new Promise((done) => setTimeout(done, options.faultEveryMs * (0.5 + random())));
        if (!more()) {
          break;
        }
        const fault =
          options.faultOrder === 'round-robin'
            ? faults[count % faults.length]
            : faults[Math.floor(random() * faults.length)];
        injected[fault] = (injected[fault] ?? 0) + 1;
        count++;
        const what = await injectFault(fault, { cluster, infra, settings, layout, tap, random, log, poison }).catch(
          (error: unknown) => `${fault} failed: ${String(error)}`,
        );
        log(`fault  ${what}`);
      }
    })();
    const clientDeadline = loadStarted + (options.orders / options.ordersPerSecond) * 1000 + options.quiesceBoundMs;
    const placed: Array<Promise<string | undefined>> = [];
    for (let index = 0; index < options.orders; index++) {
      const due = loadStarted + (index * 1000) / options.ordersPerSecond;
      await new Promise((done) => setTimeout(done, Math.max(0, due - Date.now())));
      placed.push(placeOrder(cluster, orderRequest(catalogue, index, random), stats, { deadline: clientDeadline }));
    }
    loading = false;
    await faulting;
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    log(`load done in ${loadSeconds.toFixed(1)} s; faults stopped, waiting for every instance and client`);

    const healing = Date.now();
    await cluster.waitUntilAllReady(options.quiesceBoundMs);
    await Promise.allSettled(
      cluster.instances.map(async (instance) =>
        fetch(`${instance.url}/faults`, { method: 'DELETE', headers: await adminHeaders() }),
      ),
    );
    const accepted = (await Promise.all(placed)).filter((id): id is string => id !== undefined);
    const violations = await quiesce(infra.databaseUrls, since, accepted, stats, tap, poison, options, healing);
    const quiesceSeconds = (Date.now() - healing) / 1000;
    const { outcomes, cancelReasons } = await countOutcomes(infra.databaseUrls.order, since);
    return {
      seed: options.seed,
      orders: {
        requested: options.orders,
        accepted: accepted.length,
        completed: outcomes.COMPLETED ?? 0,
        cancelled: outcomes.CANCELLED ?? 0,
        cancelReasons,
        clientRetries: stats.retries,
        clientsShed: stats.shed,
        clientsGaveUp: stats.gaveUp,
      },
      faults: injected,
      restarts: Object.fromEntries(cluster.instances.map((instance) => [instance.name, instance.restarts])),
      poisonSent: poison.size,
      violations,
      loadSeconds,
      quiesceSeconds,
      quiesceBoundSeconds: options.quiesceBoundMs / 1000,
    };
  } finally {
    await cluster.stop();
    await tap.stop();
  }
}

/** Polls every check until all pass or the bound runs out; returns what still fails then. */
async function quiesce(
  databaseUrls: Record<ServiceName, string>,
  since: Date,
  accepted: string[],
  stats: ClientStats,
  tap: TopicTap,
  poison: Map<string, string>,
  options: ChaosOptions,
  started: number,
): Promise<Violation[]> {
  return violationsOnceSettled(
    async () => [
      ...(await checkInvariants(databaseUrls, { since })),
      ...(await clientViolations(databaseUrls.order, accepted, stats)),
      ...poisonViolations(tap, poison),
    ],
    started + options.quiesceBoundMs,
    1000,
  );
}

/** Every 202 names an order that exists, one key never yields two orders, and no request was refused. */
async function clientViolations(orderUrl: string, accepted: string[], stats: ClientStats): Promise<Violation[]> {
  const violations: Violation[] = [];
  const client = new Client({ connectionString: orderUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM orders WHERE id = ANY($1)', [accepted]);
    const found = new Set(rows.map((row) => row.id));
    const lost = accepted.filter((id) => !found.has(id));
    if (lost.length > 0) {
      violations.push({ invariant: 1, message: 'accepted order(s) missing from the order database', ids: lost });
    }
  } finally {
    await client.end();
  }
  const doubled = [...stats.answers].filter(([, ids]) => ids.size > 1).map(([key]) => key);
  if (doubled.length > 0) {
    violations.push({ invariant: 3, message: 'one Idempotency-Key answered with several orders', ids: doubled });
  }
  if (stats.rejected.length > 0) {
    violations.push({ invariant: 1, message: 'valid order request refused', ids: stats.rejected });
  }
  return violations;
}

function poisonViolations(tap: TopicTap, poison: Map<string, string>): Violation[] {
  const missing = poisonNotDeadLettered({ tap, poison });
  return missing.length === 0
    ? []
    : [{ invariant: 1, message: 'poison message not found on its dead-letter topic', ids: missing }];
}

const OVER_STOCK = 10_000;

interface Catalogue {
  skus: string[];
  hot: string;
}

/** Plenty of stock for most SKUs (yet less than an over-stock order asks) and a hot SKU that sells out. */
async function seedStock(cluster: Cluster, orders: number): Promise<Catalogue> {
  const run = randomUUID().slice(0, 6);
  const skus = ['A', 'B', 'C', 'D'].map((letter) => `CHAOS-${run}-${letter}`);
  const hot = `CHAOS-${run}-HOT`;
  const stock: Array<[string, number]> = [
    ...skus.map((sku): [string, number] => [sku, OVER_STOCK - 1]),
    [hot, orders / 8],
  ];
  for (const [sku, available] of stock) {
    const inventory = cluster.pick('inventory');
    const response = await putStock(String(inventory?.url), sku, Math.ceil(available));
    if (!response.ok) {
      throw new Error(`seeding ${sku}: HTTP ${response.status} ${await response.text()}`);
    }
  }
  return { skus, hot };
}

/**
 * The mix: plain orders, the hot SKU, two SKUs in both orders (opposite lock orders), an unserved
 * destination (compensation after a reservation) and more than is in stock (rejection).
 */
function orderRequest({ skus, hot }: Catalogue, index: number, random: () => number): OrderRequest {
  const customerId = `chaos-client-${index % 10}`;
  const roll = random();
  const sku = () => skus[Math.floor(random() * skus.length)];
  const quantity = () => 1 + Math.floor(random() * 3);
  let items: OrderRequest['items'] = [{ sku: sku(), quantity: quantity() }];
  let country = 'DE';
  if (roll < 0.25) {
    items = [{ sku: hot, quantity: 1 }];
  } else if (roll < 0.4) {
    items =
      random() < 0.5
        ? [
            { sku: skus[0], quantity: 1 },
            { sku: skus[1], quantity: 1 },
          ]
        : [
            { sku: skus[1], quantity: 1 },
            { sku: skus[0], quantity: 1 },
          ];
  } else if (roll < 0.47) {
    country = 'AQ';
  } else if (roll < 0.5) {
    items = [{ sku: sku(), quantity: OVER_STOCK }];
  }
  return { customerId, items, shippingAddress: { country } };
}

async function databaseNow(url: string): Promise<Date> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ now: Date }>('SELECT now()');
    return rows[0].now;
  } finally {
    await client.end();
  }
}

async function countOutcomes(
  orderUrl: string,
  since: Date,
): Promise<{ outcomes: Record<string, number>; cancelReasons: Record<string, number> }> {
  const client = new Client({ connectionString: orderUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ status: string; reason: string | null; count: number }>(
      `SELECT status, split_part(failure_reason, ':', 1) AS reason, count(*)::int AS count
       FROM orders WHERE created_at >= $1 GROUP BY 1, 2`,
      [since],
    );
    const outcomes: Record<string, number> = {};
    const cancelReasons: Record<string, number> = {};
    for (const { status, reason, count } of rows) {
      outcomes[status] = (outcomes[status] ?? 0) + count;
      if (status === 'CANCELLED') {
        cancelReasons[reason ?? 'none'] = (cancelReasons[reason ?? 'none'] ?? 0) + count;
      }
    }
    return { outcomes, cancelReasons };
  } finally {
    await client.end();
  }
}
