import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../platform/tokens';
import { TransactionModule } from '../transaction/transaction.module';
import { IdempotencyKeyJanitor } from './idempotency-key.janitor';
import { IdempotencyResponseHeaders1764000000032 } from './idempotency-response-headers.migration';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyMetrics } from './idempotency.metrics';
import { CreateIdempotencyKeys1764000000004 } from './idempotency.migration';
import { ConfigurableIdempotencyModule, IDEMPOTENCY_OPTIONS } from './idempotency.module-definition';

export const IDEMPOTENCY_MIGRATIONS = [CreateIdempotencyKeys1764000000004, IdempotencyResponseHeaders1764000000032];

/** `@Idempotent()` write endpoints and the purge of expired keys; `forRoot(IdempotencyOptions)`. */
@Module({
  imports: [TransactionModule],
  providers: [
    IdempotencyInterceptor,
    IdempotencyKeyJanitor,
    {
      provide: IdempotencyMetrics,
      inject: [METRICS_REGISTRY],
      useFactory: (registry: Registry) => new IdempotencyMetrics(registry),
    },
  ],
  // Interceptors are built in the module of the route they wrap: what they inject must be exported.
  exports: [IdempotencyInterceptor, IdempotencyMetrics, IDEMPOTENCY_OPTIONS, TransactionModule],
})
export class IdempotencyModule extends ConfigurableIdempotencyModule {}
