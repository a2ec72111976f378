/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of `text` (comments and malformed lines ignored). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match || line.startsWith('#')) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name] = value.replace(/\\(.)/g, '$1');
    }
    const value = Number(match[3]);
    if (!Number.isNaN(value)) {
      samples.push({ name: match[1], labels, value });
    }
  }
  return samples;
}

/** Cumulative histogram buckets (`le` → count) of `name`, summed over its other labels. */
export function histogramBuckets(samples: Sample[], name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name === `${name}_bucket`) {
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    }
  }
  return buckets;
}

/**
 * The `q` quantile of the observations between two scrapes of a cumulative histogram, linearly
 * interpolated inside its bucket as Prometheus's histogram_quantile does; undefined when none.
 */
export function quantileBetween(
  before: Map<number, number>,
  after: Map<number, number>,
  q: number,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) {
    return undefined;
  }
  const rank = q * total;
  for (let index = 0; index < bounds.length; index++) {
    if (counts[index] >= rank) {
      const lower = index === 0 ? 0 : bounds[index - 1];
      const upper = Number.isFinite(bounds[index]) ? bounds[index] : lower;
      const below = index === 0 ? 0 : counts[index - 1];
      const inBucket = counts[index] - below;
      return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
    }
  }
  return bounds.at(-2);
}
