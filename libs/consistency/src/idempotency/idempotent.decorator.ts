import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_RULE } from './idempotency-key';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * Makes a write endpoint require and honour an Idempotency-Key, in one transaction with its
 * effects; keys are scoped per authenticated principal (the token's `sub`).
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description: `Unique per intended write: ${IDEMPOTENCY_KEY_RULE}; a retry with the same key replays the first response`,
    }),
  );
}
