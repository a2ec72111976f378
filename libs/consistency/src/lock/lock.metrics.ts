import { Counter, Histogram, Registry } from 'prom-client';

export type LockOutcome = 'acquired' | 'failed' | 'stale-fence';

const OUTCOMES: readonly LockOutcome[] = ['acquired', 'failed', 'stale-fence'];

/**
 * The lock's failure modes, by entity (`shipment` of `lock:shipment:<id>`: the ids would be a
 * series per order): contention, leases that ran out under their holder, and how close holders come
 * to their TTL.
 */
export class LockMetrics {
  private readonly outcomes: Counter<'entity' | 'outcome'>;
  private readonly expirations: Counter<'entity'>;
  private readonly held: Histogram<'entity'>;
  private readonly heldOfTtl: Histogram<'entity'>;

  constructor(registry: Registry) {
    this.outcomes = new Counter({
      name: 'lock_acquisitions_total',
      help: 'Lock acquisitions by outcome: acquired, failed (held by another owner), stale-fence (a guarded write refused because a newer holder wrote)',
      labelNames: ['entity', 'outcome'],
      registers: [registry],
    });
    this.expirations = new Counter({
      name: 'lock_lease_expirations_total',
      help: 'Leases that expired while their holder still worked (found at release); the fencing token is all that guarded the work',
      labelNames: ['entity'],
      registers: [registry],
    });
    this.held = new Histogram({
      name: 'lock_held_seconds',
      help: 'Time from acquiring a lease to releasing it',
      labelNames: ['entity'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.heldOfTtl = new Histogram({
      name: 'lock_held_ttl_ratio',
      help: 'Time a lease was held as a share of its TTL: near 1 the TTL is too short for the work',
      labelNames: ['entity'],
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.5, 2, 5],
      registers: [registry],
    });
  }

  /** Every outcome of `entity` from zero, so rate() and increase() see the first failure. */
  known(entity: string): void {
    for (const outcome of OUTCOMES) {
      this.outcomes.inc({ entity, outcome }, 0);
    }
    this.expirations.inc({ entity }, 0);
  }

  outcome(entity: string, outcome: LockOutcome): void {
    this.outcomes.inc({ entity, outcome });
  }

  released(entity: string, heldMs: number, ttlMs: number, expired: boolean): void {
    this.held.observe({ entity }, heldMs / 1000);
    this.heldOfTtl.observe({ entity }, heldMs / ttlMs);
    if (expired) {
      this.expirations.inc({ entity });
    }
  }
}

/** The entity of a business-scoped key: `shipment` for `lock:shipment:<orderId>`. */
export function lockEntity(key: string): string {
  return key.split(':')[1] ?? 'unknown';
}
