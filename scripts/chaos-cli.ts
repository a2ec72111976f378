import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ChaosReport, runChaos } from './chaos/chaos';
import { CHAOS_FAULTS, ChaosFault } from './chaos/faults';
import { infraLayout } from './infra/layout';
import { infraSettings } from './infra/settings';

const usage =
  'usage: npm run test:chaos -- [--orders N] [--minutes M] [--instances K] [--faults kill,broker-restart,…] ' +
  '[--fault-every-ms MS] [--round-robin] [--seed S] [--report FILE]';

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new Error(`--${name} takes a positive number, got "${value}"\n${usage}`);
  }
  return parsed;
}

function faultList(value: string | undefined): ChaosFault[] {
  if (value === undefined) {
    return [...CHAOS_FAULTS];
  }
  const faults = value.split(',').map((fault) => fault.trim());
  const unknown = faults.filter((fault) => !(CHAOS_FAULTS as readonly string[]).includes(fault));
  if (unknown.length > 0) {
    throw new Error(`unknown fault(s) ${unknown.join(', ')}; known: ${CHAOS_FAULTS.join(', ')}`);
  }
  return faults as ChaosFault[];
}

function print(report: ChaosReport, file: string): void {
  const { orders } = report;
  const rows: Array<[string, string]> = [
    ['seed', String(report.seed)],
    ['orders requested', String(orders.requested)],
    ['orders accepted (202)', String(orders.accepted)],
    ['completed / cancelled', `${orders.completed} / ${orders.cancelled}`],
    [
      'cancelled because',
      Object.entries(orders.cancelReasons)
        .map(([reason, count]) => `${reason} ${count}`)
        .join('; '),
    ],
    [
      'client retries / shed (503) / gave up',
      `${orders.clientRetries} / ${orders.clientsShed} / ${orders.clientsGaveUp}`,
    ],
    [
      'faults injected',
      Object.entries(report.faults)
        .map(([fault, count]) => `${fault} ${count}`)
        .join(', ') || 'none',
    ],
    ['process restarts', String(Object.values(report.restarts).reduce((sum, count) => sum + count, 0))],
    ['poison messages sent', String(report.poisonSent)],
    ['load', `${report.loadSeconds.toFixed(1)} s`],
    ['time to quiesce', `${report.quiesceSeconds.toFixed(1)} s (bound ${report.quiesceBoundSeconds} s)`],
    ['violations', String(report.violations.length)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  process.stdout.write('\nChaos report\n');
  rows.forEach(([label, value]) => process.stdout.write(`  ${label.padEnd(width)}  ${value}\n`));
  for (const violation of report.violations) {
    process.stdout.write(
      `  invariant ${violation.invariant}: ${violation.message} (${violation.ids.length}): ${violation.ids.slice(0, 20).join(', ')}\n`,
    );
  }
  process.stdout.write(`  report written to ${file}, service logs to ${file.replace(/\.json$/, '-logs')}/\n`);
}

/** `npm run test:chaos`: a long randomized failure-injection run; exit 1 when any invariant is violated. */
async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      minutes: { type: 'string' },
      instances: { type: 'string' },
      faults: { type: 'string' },
      'fault-every-ms': { type: 'string' },
      seed: { type: 'string' },
      'round-robin': { type: 'boolean' },
      report: { type: 'string' },
    },
  });
  const orders = positive('orders', values.orders, 2000);
  const minutes = positive('minutes', values.minutes, orders / 20 / 60);
  const seed = positive('seed', values.seed, Date.now() % 1_000_000);
  const file =
    values.report ??
    resolve(
      infraLayout(infraSettings().localDir).local,
      'chaos',
      `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
  const report = await runChaos({
    orders,
    ordersPerSecond: orders / (minutes * 60),
    instancesPerService: positive('instances', values.instances, 2),
    faults: faultList(values.faults),
    faultEveryMs: positive('fault-every-ms', values['fault-every-ms'], 4000),
    faultOrder: values['round-robin'] ? 'round-robin' : 'random',
    seed,
    quiesceBoundMs: 120_000,
    logDir: file.replace(/\.json$/, '-logs'),
    log: (line) => process.stdout.write(`[chaos +${process.uptime().toFixed(0)}s] ${line}\n`),
  });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  print(report, file);
  return report.violations.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test:chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
