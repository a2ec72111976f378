import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../scripts/infra/layout';
import { format, printTable } from './stats';

/**
 * `npm run bench [-- relay|hot-sku|floor|saga …]`: runs the chosen benchmarks (all by default) one after
 * another, then prints one table of the figures that matter next to their targets.
 */
const BENCHMARKS = ['relay', 'hot-sku', 'floor', 'saga'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

function newest(benchmark: Benchmark): Record<string, unknown> | undefined {
  const dir = join(REPO_ROOT, 'bench', 'results');
  const file = readdirSync(dir)
    .filter((name) => name.startsWith(`${benchmark}-`) && name.endsWith('.json'))
    .sort()
    .at(-1);
  return file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>) : undefined;
}

function summary(): Array<Array<string | number>> {
  const rows: Array<Array<string | number>> = [];
  const relay = newest('relay') as
    { ratio: number; deletingRatio?: number; steady: { p50: number; p99: number } } | undefined;
  if (relay) {
    rows.push(['relay / raw kafkajs', relay.ratio, '≥ 0.7']);
    if (relay.deletingRatio !== undefined) {
      rows.push(['relay / raw kafkajs, rows deleted at publish', relay.deletingRatio, '≥ 0.7']);
    }
    rows.push(['relay commit → published p50 ms', relay.steady.p50, '≤ 5']);
  }
  const hot = newest('hot-sku') as { summary: Record<string, { perSecond: number; oversold: number }> } | undefined;
  if (hot) {
    const atomic = hot.summary['atomic conditional UPDATE'];
    rows.push([
      'atomic UPDATE / raw ceiling',
      atomic.perSecond / hot.summary['raw UPDATE (ceiling)'].perSecond,
      '≥ 0.7',
    ]);
    rows.push([
      'atomic UPDATE / lock path',
      atomic.perSecond / hot.summary['distributed lock, read then write'].perSecond,
      '≥ 3',
    ]);
  }
  const saga = newest('saga') as
    | {
        levels: Array<{
          targetRate: number;
          p50: number;
          p99: number;
          clientP50?: number;
          clientP99?: number;
          perOrder?: { statements?: number; commits: number; cpuMs: number };
        }>;
        sustainedRate: number | null;
        overload?: { rate: number; cancelled: number; p99: number };
        restarts?: Array<{ service: string; signal: string; firstAnswerMs: number }>;
      }
    | undefined;
  const floor = newest('floor') as { floorMs: number } | undefined;
  if (floor) {
    rows.push(['CPU ms per order at the floor (parts × counts within budget)', floor.floorMs, '≤ 6']);
  }
  const at100 = saga?.levels.find((level) => level.targetRate === 100);
  if (at100) {
    rows.push(['saga p50 ms at 100 orders/s', at100.p50, '≤ 30']);
    rows.push(['saga p99 ms at 100 orders/s', at100.p99, '≤ 120']);
    if (at100.clientP50 !== undefined && at100.clientP99 !== undefined) {
      rows.push([
        'client POST → outcome p50 / p99 ms at 100/s',
        `${format(at100.clientP50)} / ${format(at100.clientP99)}`,
        '≤ 30 / ≤ 120',
      ]);
    }
    if (at100.perOrder) {
      const { statements, commits, cpuMs } = at100.perOrder;
      rows.push([
        'SQL statements / commits per order at 100/s',
        `${statements === undefined ? 'n/a' : format(statements)} / ${format(commits)}`,
        '≤ 25 / ≤ 8',
      ]);
      rows.push(['CPU ms per order at 100/s, all processes', cpuMs, '≤ 6']);
    }
  }
  if (saga) {
    rows.push(['saga sustained orders/s (p99 < 500 ms, all completed)', saga.sustainedRate ?? 0, '≥ 250']);
  }
  if (saga?.overload) {
    rows.push([`saga cancelled orders at 2× sustained (${saga.overload.rate}/s)`, saga.overload.cancelled, '0']);
    rows.push(['saga p99 ms of accepted orders at 2× sustained', saga.overload.p99, '< 500']);
  }
  for (const restart of saga?.restarts?.filter((result) => result.signal === 'SIGKILL') ?? []) {
    rows.push([`${restart.service} SIGKILLed: first answer ms after spawn`, restart.firstAnswerMs, '≤ 2000']);
  }
  return rows;
}

function main(requested: string[]): number {
  const unknown = requested.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; expected some of ${BENCHMARKS.join(', ')}\n`);
    return 2;
  }
  const chosen = (requested.length > 0 ? requested : BENCHMARKS) as Benchmark[];
  for (const benchmark of chosen) {
    process.stdout.write(`\n=== ${benchmark} ===\n`);
    const run = spawnSync('npm', ['run', `bench:${benchmark}`], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (run.status !== 0) {
      return run.status ?? 1;
    }
  }
  printTable('Summary (newest result of each benchmark)', ['figure', 'measured', 'target'], summary());
  return 0;
}

process.exit(main(process.argv.slice(2)));
