import { Inject, Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../platform/tokens';
import { Readiness } from './health/readiness';

/** The service's own state on `/metrics`, for the alert that a scrape alone (`up`) cannot give. */
@Injectable()
export class ServiceMetrics {
  constructor(@Inject(METRICS_REGISTRY) registry: Registry, readiness: Readiness) {
    new Gauge({
      name: 'service_ready',
      help: '1 when this instance would answer /health/ready with 200 (migrated, not shutting down, database answers)',
      registers: [registry],
      async collect() {
        this.set((await readiness.ready()) ? 1 : 0);
      },
    });
  }
}
