import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OutboxStore } from './outbox.store';

/** Prometheus view of the outbox: backlog, its age, throughput, failures and parked rows. */
export class OutboxMetrics {
  readonly published: Counter;
  readonly publishedAfterCommit: Counter;
  readonly failures: Counter;
  readonly rejections: Counter;
  readonly splitRequests: Counter;
  readonly parked: Counter;
  readonly publishDelay: Histogram;
  private summary?: ReturnType<OutboxStore['pendingSummary']>;

  constructor(registry: Registry, store: OutboxStore) {
    // One query per scrape feeds every gauge.
    const summary = () => {
      this.summary ??= store.pendingSummary().finally(() => setTimeout(() => (this.summary = undefined), 500).unref());
      return this.summary;
    };
    new Gauge({
      name: 'outbox_pending_events',
      help: 'Outbox rows waiting to be published (parked rows apart, the rows held behind them included)',
      registers: [registry],
      async collect() {
        this.set((await summary()).pending);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest unpublished outbox row',
      registers: [registry],
      async collect() {
        this.set((await summary()).oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'outbox_parked_events',
      help: 'Outbox rows parked after the broker refused them OUTBOX_MAX_ATTEMPTS times (npm run outbox -- list)',
      registers: [registry],
      async collect() {
        this.set((await summary()).parked);
      },
    });
    this.published = new Counter({
      name: 'outbox_published_total',
      help: 'Events published by this relay (rate() gives events per second)',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.publishedAfterCommit = new Counter({
      name: 'outbox_published_after_commit_total',
      help: 'Of the published events, those the committing process sent itself right after the commit (no relay round)',
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Relay rounds that failed to reach the broker (the relay backs off)',
      registers: [registry],
    });
    this.rejections = new Counter({
      name: 'outbox_rejections_total',
      help: 'Outbox rows the broker refused for themselves (too large, invalid); an unreachable broker does not count',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.splitRequests = new Counter({
      name: 'outbox_split_requests_total',
      help: 'Produce requests of several rows the broker refused whole, sent again row by row to find the refused one',
      registers: [registry],
    });
    this.parked = new Counter({
      name: 'outbox_parked_total',
      help: 'Outbox rows this relay parked',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.publishDelay = new Histogram({
      name: 'outbox_publish_delay_seconds',
      help: 'Time from writing an outbox row to the broker acknowledging it',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }
}
