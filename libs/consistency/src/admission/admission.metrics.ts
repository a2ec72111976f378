import { Counter, Gauge, Registry } from 'prom-client';
import { BACKLOG_SIGNALS, BacklogSignal } from './backlog';
import { BacklogSampler } from './backlog.sampler';

/** What admission control refused, and whether it can still see the backlog. */
export class AdmissionMetrics {
  private readonly rejections: Counter<'reason'>;

  constructor(registry: Registry, sampler: BacklogSampler, now: () => number = Date.now) {
    this.rejections = new Counter({
      name: 'admission_rejections_total',
      help: 'Requests answered 503 with Retry-After, by the backlog signal that was past its bound',
      labelNames: ['reason'],
      registers: [registry],
    });
    // Every reason from zero, so rate() and alerts work before the first rejection.
    for (const reason of BACKLOG_SIGNALS) {
      this.rejections.inc({ reason }, 0);
    }
    new Gauge({
      name: 'admission_sample_age_seconds',
      help: 'Age of the oldest backlog reading; past 8 sample intervals admission control ignores it and admits',
      registers: [registry],
      collect() {
        const oldest = sampler.oldestReadingAt();
        this.set(oldest === undefined ? 0 : (now() - oldest) / 1000);
      },
    });
  }

  rejected(reason: BacklogSignal): void {
    this.rejections.inc({ reason });
  }
}
