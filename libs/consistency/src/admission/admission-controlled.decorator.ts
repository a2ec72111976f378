import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { AdmissionGuard } from './admission.guard';

/**
 * Makes an HTTP route shed new work while the service's backlog is past its bounds: 503 with
 * Retry-After, before anything is written. Each admitted request counts as one saga in flight
 * until the next sample, so put it on routes that start one.
 */
export function AdmissionControlled(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(AdmissionGuard),
    ApiServiceUnavailableResponse({
      description: 'Past capacity: nothing was done; retry after the Retry-After seconds with the same Idempotency-Key',
      headers: { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } },
    }),
  );
}
