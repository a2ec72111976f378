import { Counter, Registry } from 'prom-client';

/**
 * What became of a request that carried a valid Idempotency-Key: `new` (its first request, response
 * stored), `replayed` (the stored response again), `in-flight` (409: the first is still running),
 * `mismatch` (422: the key came with a different request).
 */
export type IdempotencyOutcome = 'new' | 'replayed' | 'in-flight' | 'mismatch';

const OUTCOMES: readonly IdempotencyOutcome[] = ['new', 'replayed', 'in-flight', 'mismatch'];

export class IdempotencyMetrics {
  private readonly requests: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'idempotency_requests_total',
      help: 'Requests with a valid Idempotency-Key, by outcome: new, replayed, in-flight (409), mismatch (422)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of OUTCOMES) {
      this.requests.inc({ outcome }, 0);
    }
  }

  outcome(outcome: IdempotencyOutcome): void {
    this.requests.inc({ outcome });
  }
}
