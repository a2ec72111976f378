import { CanActivate, ExecutionContext, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ADMISSION_OPTIONS } from './admission.module-definition';
import type { AdmissionModuleOptions } from './admission.module-definition';
import { decideAdmission } from './admission-decision';
import { AdmissionMetrics } from './admission.metrics';
import { BacklogSignal } from './backlog';
import { BacklogSampler } from './backlog.sampler';

const PAST_BOUND: Record<BacklogSignal, string> = {
  outbox_age: 'its outbox is behind',
  sagas_in_flight: 'too many sagas are in flight',
  consumer_lag: 'its consumer is behind',
};

/**
 * Sheds new work past the service's backlog bounds: 503 with Retry-After, before any transaction
 * is opened (guards run before interceptors), from the last background sample (no query here).
 */
@Injectable()
export class AdmissionGuard implements CanActivate {
  constructor(
    private readonly sampler: BacklogSampler,
    private readonly metrics: AdmissionMetrics,
    @Inject(ADMISSION_OPTIONS) private readonly options: AdmissionModuleOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const decision = decideAdmission(this.sampler.backlog(), this.options, Date.now());
    if (decision.admit) {
      this.sampler.admitted();
      return true;
    }
    this.metrics.rejected(decision.signal);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(decision.retryAfterSeconds));
    // The numbers stay on /metrics: how much work is open is nobody else's business.
    throw new ServiceUnavailableException(
      `the ${this.options.service} service is past capacity (${PAST_BOUND[decision.signal]}) and did nothing; ` +
        `retry after ${decision.retryAfterSeconds} s with the same Idempotency-Key`,
    );
  }
}
