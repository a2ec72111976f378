import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { IdempotencyInterceptor } from './idempotency.interceptor';

export const IDEMPOTENT_OPTIONS = Symbol('IDEMPOTENT_OPTIONS');

export interface IdempotentOptions {
  /** Who owns the key: keys are scoped per client, so two clients may use the same key. */
  client?: (request: Request) => string | undefined;
}

/** Makes a write endpoint require and honour an Idempotency-Key, in one transaction with its effects. */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT_OPTIONS, options),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description:
        'Unique per intended write (1-255 of A-Z a-z 0-9 . _ : -); a retry with the same key replays the first response',
    }),
  );
}
