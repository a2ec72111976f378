import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

import { authHeaders } from '../scripts/auth/auth-headers';
import { putStock } from '../scripts/http/saga-requests';
import { REPO_ROOT } from '../scripts/infra/layout';
import { waitFor } from '../scripts/infra/run-command';
import { startStack, Stack } from '../scripts/stack/stack';
import { runBenchmark, writeResult } from './results';
import { median, percentile, printTable } from './stats';
import { envPrefix, loadInfraEnv } from '@app/consistency/tools';
import { SERVICE_NAMES, ServiceName } from '../scripts/services';
import { serviceBacklog } from '../scripts/stack/backlog';
import { retryAfterMs } from '../scripts/http/retry-after';
import { SqlCounter, statementCount, statementsBetween } from './sql-stats';
import { summarizeProfiles } from './cpu-profile';
import { cpuSeconds, kafkaCpu, postgresCpu } from './process-cpu';

/**
 * Open-loop saga load: orders arrive at a fixed rate whatever the latency (no coordinated
 * omission), POST → COMPLETED latency is read from the order database's own timestamps, and every
 * accepted order must reach a terminal state. Each level runs `--reps` times (medians reported);
 * then the load is stepped up to find the highest rate whose p99 stays under 500 ms with every
 * order completed.
 */
const { values: options } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,100,200' },
    seconds: { type: 'string', default: '60' },
    'step-seconds': { type: 'string', default: '20' },
    'step-rates': { type: 'string', default: '25,50,75,100,125,150,200,250,300' },
    reps: { type: 'string', default: '3' },
    /** The overload level's rate; by default twice the sustained rate the step search found. */
    'overload-rate': { type: 'string' },
    restarts: { type: 'string', default: '5' },
    /** How long the stack is watched with no orders, after the warm-up. */
    'rest-seconds': { type: 'string', default: '10' },
    profile: { type: 'boolean', default: false },
    /** Only the `--rates` levels: no step search, overload or restarts (for looking at one rate). */
    quick: { type: 'boolean', default: false },
  },
});
const rates = (list: string) => list.split(',').filter(Boolean).map(Number);
const RATES = rates(options.rates);
const SECONDS = Number(options.seconds);
const STEP_SECONDS = Number(options['step-seconds']);
const STEP_RATES = rates(options['step-rates']);
const REPETITIONS = Number(options.reps);
const RESTARTS = Number(options.restarts);
const REST_SECONDS = Number(options['rest-seconds']);
/** A shed order is sent again with its key after Retry-After, this many times at most, as the chaos clients do. */
const MAX_SHED_RETRIES = 3;
/** An order still open after the saga made no progress for this long counts as lost. */
const STALL_MS = 15_000;
/** `--profile`: each service writes a V8 CPU profile here when it stops (open it in Chrome DevTools). */
const PROFILE_DIR = join(REPO_ROOT, '.local', 'profiles');
/** Statements listed per level in the breakdown. */
const TOP_STATEMENTS = 60;
const SKUS = Array.from({ length: 20 }, (_, i) => `BENCH-${i}`);

interface LevelResult {
  targetRate: number;
  seconds: number;
  /** Runs this result sums (counts) or takes the median of (rates, latencies, CPU). */
  runs: number;
  achievedRate: number;
  accepted: number;
  /** 503 answers (admission control), including those of orders accepted on a retry. */
  shedResponses: number;
  /** Orders still shed after MAX_SHED_RETRIES: never accepted, nothing written. */
  shed: number;
  errors: number;
  lost: number;
  /** Cancelled by the saga (e.g. the step timeout under overload); terminal, so not lost. */
  cancelled: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpuSeconds: Record<string, number>;
  /** Per accepted order: statements and commits of the service databases, CPU ms of every process. */
  perOrder: { statements?: number; commits: number; cpuMs: number };
  /** The most called statements per accepted order, by service database (bench queries included). */
  topStatements: Array<{ database: string; query: string; perOrder: number }>;
  /** POST sent → terminal status seen by a client following the order with long polls. */
  clientP50: number;
  clientP99: number;
}

/** Several runs of one level as one: counts summed, so any loss shows, the rest as medians. */
function combine(runs: LevelResult[]): LevelResult {
  const mid = (pick: (run: LevelResult) => number) => median(runs.map(pick));
  const sum = (pick: (run: LevelResult) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return {
    targetRate: runs[0].targetRate,
    seconds: runs[0].seconds,
    runs: runs.length,
    achievedRate: mid((run) => run.achievedRate),
    accepted: sum((run) => run.accepted),
    shedResponses: sum((run) => run.shedResponses),
    shed: sum((run) => run.shed),
    errors: sum((run) => run.errors),
    lost: sum((run) => run.lost),
    cancelled: sum((run) => run.cancelled),
    p50: mid((run) => run.p50),
    p95: mid((run) => run.p95),
    p99: mid((run) => run.p99),
    max: mid((run) => run.max),
    perOrder: {
      statements: runs.every((run) => run.perOrder.statements !== undefined)
        ? mid((run) => run.perOrder.statements ?? 0)
        : undefined,
      commits: mid((run) => run.perOrder.commits),
      cpuMs: mid((run) => run.perOrder.cpuMs),
    },
    clientP50: mid((run) => run.clientP50),
    clientP99: mid((run) => run.clientP99),
    topStatements: runs[0].topStatements,
    cpuSeconds: Object.fromEntries(
      Object.keys(runs[0].cpuSeconds).map((name) => [name, mid((run) => run.cpuSeconds[name])]),
    ),
  };
}

/** Every order accepted and completed (none shed, lost or cancelled by a timeout) with p99 under 500 ms. */
function sustainable(result: LevelResult): boolean {
  return (
    result.p99 < 500 && result.lost === 0 && result.cancelled === 0 && result.errors === 0 && result.shedResponses === 0
  );
}

interface RestartResult {
  service: ServiceName;
  signal: NodeJS.Signals;
  /** Median ms from spawning the process to its first answer: `POST /orders` 202 for order, `/health/ready` otherwise. */
  firstAnswerMs: number;
  /** Median ms from spawning the process to its consumer being back in its group (`/health` says so). */
  consumingMs: number;
}

/** What each service answers first after a restart: order takes an order, the others say they are ready. */
async function firstAnswer(stack: Stack, service: ServiceName, customer: { authorization: string }): Promise<boolean> {
  const url = stack.url(service);
  const headers = { ...customer, 'content-type': 'application/json' };
  const response =
    service === 'order'
      ? await fetch(`${url}/orders`, {
          method: 'POST',
          headers: { ...headers, 'idempotency-key': randomUUID() },
          body: JSON.stringify({ items: [{ sku: SKUS[0], quantity: 1 }], shippingAddress: { country: 'DE' } }),
        })
      : await fetch(`${url}/health/ready`);
  return service === 'order' ? response.status === 202 : response.status === 200;
}

async function consuming(stack: Stack, service: ServiceName): Promise<boolean> {
  const health = (await (await fetch(`${stack.url(service)}/health`)).json()) as {
    info?: { consumer?: unknown };
  };
  return health.info?.consumer !== undefined;
}

/** Each service killed (or stopped) and started again `RESTARTS` times: how soon it answers and consumes again. */
async function restarts(
  stack: Stack,
  customer: { authorization: string },
  signal: NodeJS.Signals,
): Promise<RestartResult[]> {
  const results: RestartResult[] = [];
  for (const service of SERVICE_NAMES) {
    const answers: number[] = [];
    const joins: number[] = [];
    for (let n = 0; n < RESTARTS; n++) {
      await stack.restart(service, signal);
      const spawnedAt = performance.now();
      let answeredAt: number | undefined;
      await waitFor(
        `${service} to answer and consume again`,
        async () => {
          answeredAt ??= (await firstAnswer(stack, service, customer).catch(() => false))
            ? performance.now()
            : undefined;
          return answeredAt !== undefined && (await consuming(stack, service).catch(() => false)) ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 20 },
      );
      answers.push((answeredAt ?? spawnedAt) - spawnedAt);
      joins.push(performance.now() - spawnedAt);
    }
    results.push({ service, signal, firstAnswerMs: median(answers), consumingMs: median(joins) });
    process.stdout.write(
      `${service} after ${signal}: first answer ${Math.round(median(answers))} ms, consuming ${Math.round(median(joins))} ms\n`,
    );
  }
  return results;
}

function cpuSnapshot(stack: Stack): Record<string, number> {
  const snapshot: Record<string, number> = {};
  for (const [service, process] of Object.entries(stack.services)) {
    snapshot[service] = cpuSeconds(process.child.pid);
  }
  snapshot.kafka = kafkaCpu();
  snapshot.postgres = postgresCpu();
  return snapshot;
}

/** What the stack costs with no orders, per second: CPU ms of each process, statements and commits. */
interface RestResult {
  seconds: number;
  cpuMsPerSecond: Record<string, number>;
  statementsPerSecond?: number;
  commitsPerSecond: number;
  topStatements: Array<{ database: string; query: string; perSecond: number }>;
}

/** Watches the drained stack for `seconds` with no orders: what polling, probes and timers cost. */
async function atRest(stack: Stack, probes: Probes, seconds: number): Promise<RestResult> {
  const cpuBefore = cpuSnapshot(stack);
  const sqlBefore = await probes.sql.snapshot();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpuAfter = cpuSnapshot(stack);
  const sqlAfter = await probes.sql.snapshot();
  const perSecond = (count: number) => count / seconds;
  const statements = statementCount(sqlBefore, sqlAfter);
  return {
    seconds,
    cpuMsPerSecond: Object.fromEntries(
      Object.keys(cpuAfter).map((name) => [name, perSecond((cpuAfter[name] - cpuBefore[name]) * 1000)]),
    ),
    statementsPerSecond: statements === undefined ? undefined : perSecond(statements),
    commitsPerSecond: perSecond(sqlAfter.commits - sqlBefore.commits),
    topStatements: statementsBetween(sqlBefore, sqlAfter)
      .slice(0, TOP_STATEMENTS)
      .map(({ database, query, calls }) => ({ database, query, perSecond: perSecond(calls) })),
  };
}

/** Orders are spread over this many customers, each with its own bearer token minted up front. */
const CUSTOMERS = 500;

/** Where the bench looks for unfinished work: every service's database (orders, outbox) and consumer group. */
interface Probes {
  databases: Record<ServiceName, Client>;
  brokers: string[];
  sql: SqlCounter;
}

/** Events not yet handled, over all services. */
async function backlog({ databases, brokers }: Probes): Promise<number> {
  const counts = await Promise.all(
    SERVICE_NAMES.map((service) => serviceBacklog(databases[service], brokers, service)),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

async function level(
  stack: Stack,
  probes: Probes,
  customers: Array<{ authorization: string }>,
  rate: number,
  seconds: number,
): Promise<LevelResult> {
  const orders = probes.databases.order;
  const total = Math.round(rate * seconds);
  const accepted: string[] = [];
  const counts = { errors: 0, shedResponses: 0, shed: 0 };
  const cpuBefore = cpuSnapshot(stack);
  const sqlBefore = await probes.sql.snapshot();
  /** Queries this bench itself sends to the service databases, taken off the counts. */
  let ownQueries = 0;
  const clientLatencies: number[] = [];
  const following: Array<Promise<void>> = [];
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  /** A client that learns the outcome the way the README recommends: a long poll for the outcome, again if it ends first. */
  const follow = async (orderId: string, sentAt: number, headers: { authorization: string }): Promise<void> => {
    const deadline = performance.now() + 120_000;
    while (performance.now() < deadline) {
      const askedAt = performance.now();
      const response = await fetch(`${stack.url('order')}/orders/${orderId}?wait=20s&until=terminal`, {
        headers,
      }).catch(() => undefined);
      const status = response?.ok ? ((await response.json()) as { status: string }).status : undefined;
      if (status === 'COMPLETED' || status === 'CANCELLED') {
        clientLatencies.push(performance.now() - sentAt);
        return;
      }
      // Answered before its wait without the outcome: the instance holds as many polls as it may (or
      // the request failed). Asking again at once would turn every held order into a busy loop.
      if (performance.now() - askedAt < 19_000) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  const place = async (i: number): Promise<void> => {
    const key = randomUUID();
    const sentAt = performance.now();
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${stack.url('order')}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, ...customers[i % CUSTOMERS] },
        body: JSON.stringify({
          customerId: `bench-${i % CUSTOMERS}`,
          items: [{ sku: SKUS[i % SKUS.length], quantity: 1 }],
          shippingAddress: { country: 'DE' },
        }),
      });
      const shedFor = retryAfterMs(response);
      if (response.status === 202) {
        const { orderId } = (await response.json()) as { orderId: string };
        accepted.push(orderId);
        following.push(follow(orderId, sentAt, customers[i % CUSTOMERS]));
        return;
      }
      if (shedFor === undefined) {
        counts.errors += 1;
        return;
      }
      counts.shedResponses += 1;
      if (attempt >= MAX_SHED_RETRIES) {
        counts.shed += 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, shedFor));
    }
  };
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    inFlight.push(place(i).catch(() => void (counts.errors += 1)));
  }
  await Promise.all(inFlight);
  const achievedRate = total / ((performance.now() - started) / 1000);
  const terminal = async () =>
    (
      await orders.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1) AND status IN ('COMPLETED', 'CANCELLED')`,
        [accepted],
      )
    ).rows[0].n;
  // One level's backlog must drain before the next starts, however long that takes (orders the
  // saga timed out may still have events in flight), so the wait ends only when nothing is left
  // or nothing moved for STALL_MS.
  let progress = { finished: -1, left: Number.POSITIVE_INFINITY, at: performance.now() };
  await waitFor(
    'the saga backlog to drain',
    async () => {
      const [finished, left] = [await terminal(), await backlog(probes)];
      ownQueries += 1 + SERVICE_NAMES.length;
      if (finished > progress.finished || left < progress.left) {
        progress = { finished, left, at: performance.now() };
      }
      const drained = finished === accepted.length && left === 0;
      return drained || performance.now() - progress.at > STALL_MS ? true : undefined;
    },
    { timeoutMs: 30 * 60_000, intervalMs: 500 },
  );
  const cpuAfter = cpuSnapshot(stack);
  const sqlAfter = await probes.sql.snapshot();
  await Promise.all(following);
  const cpuSecondsUsed = Object.fromEntries(
    Object.keys(cpuAfter).map((name) => [name, cpuAfter[name] - cpuBefore[name]]),
  );
  const perAccepted = (count: number) => count / Math.max(1, accepted.length);
  const statements = statementCount(sqlBefore, sqlAfter);
  const { rows } = await orders.query<{ ms: number }>(
    `SELECT extract(epoch FROM s.at - o.created_at) * 1000 AS ms
     FROM orders o JOIN saga_steps s ON s.order_id = o.id AND s.step = 'order' AND s.status = 'COMPLETED'
     WHERE o.id = ANY($1)`,
    [accepted],
  );
  const latencies = rows.map((row) => Number(row.ms));
  return {
    targetRate: rate,
    seconds,
    runs: 1,
    achievedRate,
    accepted: accepted.length,
    ...counts,
    lost: accepted.length - (await terminal()),
    cancelled: (
      await orders.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1) AND status = 'CANCELLED'`,
        [accepted],
      )
    ).rows[0].n,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    cpuSeconds: cpuSecondsUsed,
    perOrder: {
      statements: statements === undefined ? undefined : perAccepted(statements - ownQueries),
      commits: perAccepted(sqlAfter.commits - sqlBefore.commits - ownQueries),
      cpuMs: perAccepted(Object.values(cpuSecondsUsed).reduce((sum, seconds) => sum + seconds, 0) * 1000),
    },
    clientP50: percentile(clientLatencies, 50),
    clientP99: percentile(clientLatencies, 99),
    topStatements: statementsBetween(sqlBefore, sqlAfter)
      .slice(0, TOP_STATEMENTS)
      .map(({ database, query, calls }) => ({ database, query, perOrder: perAccepted(calls) })),
  };
}

async function main(): Promise<void> {
  const stack = await startStack({
    log: () => undefined,
    logLevel: 'warn',
    nodeArgs: options.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  });
  loadInfraEnv();
  const databases = Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      service,
      new Client({ connectionString: process.env[`${envPrefix(service)}_DATABASE_URL`] }),
    ]),
  ) as Record<ServiceName, Client>;
  const sql = await SqlCounter.open(
    String(process.env.POSTGRES_ADMIN_URL),
    SERVICE_NAMES.map((service) => String(process.env[`${envPrefix(service)}_DATABASE_URL`])),
  );
  const probes: Probes = { databases, brokers: String(process.env.KAFKA_BROKERS).split(','), sql };
  try {
    await Promise.all(Object.values(databases).map((client) => client.connect()));
    const customers = await Promise.all(Array.from({ length: CUSTOMERS }, (_, index) => authHeaders(`bench-${index}`)));
    for (const sku of SKUS) {
      await putStock(stack.url('inventory'), sku, 10_000_000);
    }
    await level(stack, probes, customers, 20, 5);
    const rest = await atRest(stack, probes, REST_SECONDS);
    const levels: LevelResult[] = [];
    for (const rate of RATES) {
      const runs: LevelResult[] = [];
      for (let rep = 1; rep <= REPETITIONS; rep++) {
        runs.push(await level(stack, probes, customers, rate, SECONDS));
        process.stdout.write(`${rate}/s run ${rep}/${REPETITIONS}: p99 ${Math.round(runs[rep - 1].p99)} ms\n`);
      }
      levels.push(combine(runs));
    }
    const steps: LevelResult[] = [];
    for (const rate of options.quick ? [] : STEP_RATES) {
      const step = await level(stack, probes, customers, rate, STEP_SECONDS);
      steps.push(step);
      process.stdout.write(`step ${rate}/s: p99 ${Math.round(step.p99)} ms, lost ${step.lost}\n`);
      if (!sustainable(step)) {
        break;
      }
    }
    const sustained = steps.filter(sustainable).at(-1);
    const overloadRate = Number(options['overload-rate'] ?? 2 * (sustained?.targetRate ?? STEP_RATES[0]));
    const overload = options.quick ? undefined : await level(stack, probes, customers, overloadRate, SECONDS);
    if (overload) {
      process.stdout.write(
        `overload ${overloadRate}/s: ${overload.shedResponses} 503s, p99 ${Math.round(overload.p99)} ms, cancelled ${overload.cancelled}\n`,
      );
    }
    const restartResults = options.quick
      ? []
      : [...(await restarts(stack, customers[0], 'SIGKILL')), ...(await restarts(stack, customers[0], 'SIGTERM'))];
    const row = (result: LevelResult) => [
      `${result.targetRate}/s × ${result.seconds} s${result.runs > 1 ? ` (median of ${result.runs})` : ''}`,
      result.achievedRate,
      result.p50,
      result.p95,
      result.p99,
      result.max,
      String(result.shedResponses),
      String(result.errors),
      String(result.lost),
      String(result.cancelled),
      Object.entries(result.cpuSeconds)
        .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
        .join(', '),
    ];
    printTable(
      'Saga: POST → COMPLETED (ms), open-loop load',
      ['load', 'achieved/s', 'p50', 'p95', 'p99', 'max', '503s', 'errors', 'lost', 'cancelled', 'CPU s'],
      [...levels, ...steps].map(row),
    );
    if (overload) {
      printTable(
        `Saga at ${overloadRate}/s (twice the sustained rate) with admission control`,
        ['requests', '503 answers', 'share of 503s', 'accepted', 'given up', 'p50 ms', 'p99 ms', 'cancelled'],
        [
          [
            String(overload.accepted + overload.shed + overload.errors),
            String(overload.shedResponses),
            overload.shedResponses / (overload.shedResponses + overload.accepted + overload.errors),
            String(overload.accepted),
            String(overload.shed),
            overload.p50,
            overload.p99,
            String(overload.cancelled),
          ],
        ],
      );
    }
    printTable(
      'Per accepted order (service databases, all six processes; client = POST sent → outcome seen by a long-polling client)',
      ['load', 'statements', 'commits', 'CPU ms', 'client p50 ms', 'client p99 ms'],
      [...levels, ...steps, ...(overload ? [overload] : [])].map((result) => [
        `${result.targetRate}/s × ${result.seconds} s`,
        result.perOrder.statements ?? 'n/a',
        result.perOrder.commits,
        result.perOrder.cpuMs,
        result.clientP50,
        result.clientP99,
      ]),
    );
    for (const result of levels) {
      printTable(
        `Statements per accepted order at ${result.targetRate}/s, most called first`,
        ['database', 'per order', 'statement'],
        result.topStatements.map(({ database, query, perOrder }) => [
          database,
          perOrder,
          query.replace(/\s+/g, ' ').slice(0, 110),
        ]),
      );
    }
    printTable(
      `At rest for ${rest.seconds} s after the warm-up (per second)`,
      ['what', 'per second'],
      [
        ...Object.entries(rest.cpuMsPerSecond).map(([name, ms]) => [`CPU ms, ${name}`, ms]),
        ['statements, service databases', rest.statementsPerSecond ?? 'n/a'],
        ['commits, service databases', rest.commitsPerSecond],
      ],
    );
    printTable(
      'Statements per second at rest, most called first',
      ['database', 'per second', 'statement'],
      rest.topStatements.map(({ database, query, perSecond }) => [
        database,
        perSecond,
        query.replace(/\s+/g, ' ').slice(0, 110),
      ]),
    );
    printTable(
      `Restarts (median of ${RESTARTS}; from spawning the process)`,
      ['service', 'stopped by', 'first answer ms', 'consuming again ms'],
      restartResults.map((result) => [result.service, result.signal, result.firstAnswerMs, result.consumingMs]),
    );
    process.stdout.write(
      `\nhighest rate with p99 < 500 ms and every order completed: ${sustained ? `${sustained.targetRate}/s` : 'none'}\n`,
    );
    const at = new Date().toISOString();
    writeResult('saga', at, {
      benchmark: 'saga',
      at,
      levels,
      steps,
      sustainedRate: sustained?.targetRate ?? null,
      rest,
      ...(overload ? { overload: { rate: overloadRate, ...overload } } : {}),
      restarts: restartResults,
    });
  } finally {
    await Promise.all([...Object.values(databases), sql].map((client) => client.end()));
    await stack.stop();
  }
  if (options.profile) {
    printProfiles();
  }
}

/** Where each service spent its CPU over the whole run (`--profile`): by package, then the hottest functions. */
function printProfiles(): void {
  for (const summary of summarizeProfiles(PROFILE_DIR)) {
    const share = (ms: number) => `${((100 * ms) / summary.totalMs).toFixed(1)} %`;
    printTable(
      `CPU profile of ${summary.process}: ${Math.round(summary.totalMs)} ms of self time by origin`,
      ['origin', 'ms', 'share'],
      summary.byOrigin.map(({ origin, ms }) => [origin, ms, share(ms)]),
    );
    printTable(
      `Hottest functions of ${summary.process}`,
      ['function', 'origin', 'ms', 'share'],
      summary.topFunctions.map(({ name, origin, ms }) => [name.slice(0, 90), origin, ms, share(ms)]),
    );
  }
}

runBenchmark(main);
