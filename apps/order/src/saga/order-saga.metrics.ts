import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from '@app/consistency';

/** Why an order was cancelled: out of stock or unknown SKU, shipping failed, or no progress past the step deadline. */
export type CancellationCause = 'rejected' | 'shipping-failed' | 'deadline';

const CAUSES: readonly CancellationCause[] = ['rejected', 'shipping-failed', 'deadline'];

/** Orders by status (read on scrape), how long sagas take to reach their outcome, and why they were cancelled. */
@Injectable()
export class OrderSagaMetrics {
  readonly duration: Histogram<'outcome'>;
  private readonly cancellations: Counter<'cause'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, @InjectDataSource() dataSource: DataSource) {
    new Gauge({
      name: 'orders',
      help: 'Orders by status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const rows = await dataSource.query<Array<{ status: string; n: number }>>(
          'SELECT status, count(*)::int AS n FROM orders GROUP BY status',
        );
        this.reset();
        for (const row of rows) {
          this.set({ status: row.status }, row.n);
        }
      },
    });
    this.duration = new Histogram({
      name: 'saga_duration_seconds',
      help: 'Time from order accepted to COMPLETED or CANCELLED',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    });
    this.cancellations = new Counter({
      name: 'saga_cancellations_total',
      help: 'Orders cancelled, by cause: rejected (stock), shipping-failed, deadline (the scanner found no progress past SAGA_STEP_TIMEOUT_MS)',
      labelNames: ['cause'],
      registers: [registry],
    });
    for (const cause of CAUSES) {
      this.cancellations.inc({ cause }, 0);
    }
  }

  cancelled(cause: CancellationCause): void {
    this.cancellations.inc({ cause });
  }
}
