import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where one process spent its CPU, from a V8 `.cpuprofile` (what `node --cpu-prof` writes). */
export interface ProfileSummary {
  /** The app whose bundle the profile runs (`dist/apps/<name>/`), or the file name. */
  process: string;
  totalMs: number;
  /** Self time by npm package, our own code (`app`), Node internals (`node`) or V8 (`(gc)`, …). */
  byOrigin: Array<{ origin: string; ms: number }>;
  /** The functions with the most self time. */
  topFunctions: Array<{ name: string; origin: string; ms: number }>;
}

function originOf(url: string, functionName: string): string {
  if (url === '') {
    return functionName.startsWith('(') ? functionName : 'native';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) {
    return pkg[1];
  }
  if (url.startsWith('node:')) {
    return 'node';
  }
  return url.includes('/dist/') ? 'app' : 'other';
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const origins = new Map<string, number>();
  const functions = new Map<string, { name: string; origin: string; ms: number }>();
  let totalUs = 0;
  let process = file.split('/').at(-1) ?? file;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      continue;
    }
    process = /dist\/apps\/([^/]+)\//.exec(url)?.[1] ?? process;
    totalUs += us;
    const origin = originOf(url, functionName);
    origins.set(origin, (origins.get(origin) ?? 0) + us);
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    const entry = functions.get(name) ?? { name, origin, ms: 0 };
    entry.ms += us / 1000;
    functions.set(name, entry);
  }
  return {
    process,
    totalMs: totalUs / 1000,
    byOrigin: [...origins]
      .map(([origin, us]) => ({ origin, ms: us / 1000 }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
    topFunctions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, top),
  };
}

/** Every profile in `dir`, one summary per process. */
export function summarizeProfiles(dir: string, top?: number): ProfileSummary[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarizeProfile(join(dir, name), top));
}
