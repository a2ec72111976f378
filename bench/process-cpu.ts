import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { infraLayout } from '../scripts/infra/layout';
import { kafkaPid } from '../scripts/infra/kafka';

/** CPU seconds of this process. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds of a process; with `reaped`, also of its children that exited. */
export function cpuSeconds(pid: number | undefined, reaped = false): number {
  if (!pid) {
    return 0;
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').map(Number);
    return (fields[11] + fields[12] + (reaped ? fields[13] + fields[14] : 0)) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of the embedded PostgreSQL server: the postmaster, its live backends and those that ended. */
export function postgresCpu(): number {
  const postmaster = Number(readFileSync(join(infraLayout().postgres.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = cpuSeconds(postmaster, true);
  for (const child of readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(' ')) {
    total += cpuSeconds(Number(child));
  }
  return total;
}

/** CPU seconds of the embedded Kafka broker. */
export function kafkaCpu(): number {
  return cpuSeconds(kafkaPid(infraLayout()));
}

/** CPU seconds so far of this process, the PostgreSQL server and the broker. */
export interface CpuSplit {
  node: number;
  postgres: number;
  kafka: number;
}

export function cpuSplit(): CpuSplit {
  return { node: ownCpuSeconds(), postgres: postgresCpu(), kafka: kafkaCpu() };
}

/** CPU microseconds per unit between two readings, per process. */
export function cpuPerUnit(before: CpuSplit, after: CpuSplit, units: number): CpuSplit {
  const per = (part: keyof CpuSplit) => ((after[part] - before[part]) * 1e6) / units;
  return { node: per('node'), postgres: per('postgres'), kafka: per('kafka') };
}
