/** One sample of Prometheus text: its labels and value. */
interface Sample {
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (match?.[1] === name) {
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map(([, key, value]) => [key, value]));
      found.push({ labels, value: Number(match[3]) });
    }
  }
  return found;
}

/**
 * The sum of the samples of `name` whose labels include `labels` (`/metrics` text), or undefined
 * when there is none: a series that does not exist is not a zero.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples(text, name).filter((sample) =>
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return matching.length === 0 ? undefined : matching.reduce((sum, sample) => sum + sample.value, 0);
}

/** The label sets of the samples of `name` whose labels include `labels`. */
export function metricLabels(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): Array<Record<string, string>> {
  return samples(text, name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .map((sample) => sample.labels);
}

/** A service's `/metrics` text. */
export async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) {
    throw new Error(`${baseUrl}/metrics answered ${response.status}`);
  }
  return response.text();
}
