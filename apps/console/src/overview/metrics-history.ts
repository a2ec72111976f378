import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONSOLE_CONFIG } from '../console.config';
import type { ConsoleConfig } from '../console.config';
import { histogramBuckets, parsePrometheusText, quantileBetween } from './prometheus-text';

const SCRAPE_INTERVAL_MS = 5000;
/** Ten minutes of points. */
const KEPT_POINTS = 120;
const SAGA_DURATION = 'saga_duration_seconds';

/** The overview's charts: one point per scrape, as arrays uPlot takes as they are. */
export interface Series {
  /** Unix seconds. */
  t: number[];
  ordersPerSecond: Array<number | null>;
  p50Ms: Array<number | null>;
  p99Ms: Array<number | null>;
}

interface Scrape {
  at: number;
  buckets: Map<number, number>;
}

/**
 * Scrapes the order service's /metrics every few seconds and keeps the last minutes of orders
 * reaching a terminal state per second and their POST → terminal latency (the saga duration
 * histogram), each point computed from what changed since the scrape before.
 */
@Injectable()
export class MetricsHistory implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly series: Series = { t: [], ordersPerSecond: [], p50Ms: [], p99Ms: [] };
  private previous?: Scrape;
  private timer?: NodeJS.Timeout;

  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  onApplicationBootstrap(): void {
    void this.scrape();
    this.timer = setInterval(() => void this.scrape(), SCRAPE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  current(): Series {
    return this.series;
  }

  private async scrape(): Promise<void> {
    let text: string;
    try {
      const response = await fetch(`${this.config.serviceUrls.order}/metrics`, { signal: AbortSignal.timeout(3000) });
      text = await response.text();
    } catch {
      // The order service is away: a gap in the chart says so.
      this.previous = undefined;
      return;
    }
    const now: Scrape = { at: Date.now(), buckets: histogramBuckets(parsePrometheusText(text), SAGA_DURATION) };
    const before = this.previous;
    this.previous = now;
    if (!before) {
      return;
    }
    const finished = (now.buckets.get(Infinity) ?? 0) - (before.buckets.get(Infinity) ?? 0);
    const ms = (q: number) => {
      const seconds = quantileBetween(before.buckets, now.buckets, q);
      return seconds === undefined ? null : Math.round(seconds * 1000);
    };
    this.push(now.at / 1000, Math.max(0, finished) / ((now.at - before.at) / 1000), ms(0.5), ms(0.99));
  }

  private push(t: number, ordersPerSecond: number, p50: number | null, p99: number | null): void {
    this.series.t.push(Math.round(t));
    this.series.ordersPerSecond.push(Math.round(ordersPerSecond * 100) / 100);
    this.series.p50Ms.push(p50);
    this.series.p99Ms.push(p99);
    if (this.series.t.length > KEPT_POINTS) {
      for (const values of Object.values(this.series) as unknown[][]) {
        values.shift();
      }
    }
  }
}
