import { Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../platform/tokens';
import { TransactionModule } from '../transaction/transaction.module';
import { DistributedLock } from './distributed-lock';
import { ConfigurableLockModule } from './lock.module-definition';
import { CreateDistributedLocks1764000000005 } from './lock.migration';
import { LockMetrics } from './lock.metrics';

export const LOCK_MIGRATIONS = [CreateDistributedLocks1764000000005];

/** The guarded lease for work that spans systems; `forRoot(LockOptions)`. */
@Module({
  imports: [TransactionModule],
  providers: [
    DistributedLock,
    { provide: LockMetrics, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => new LockMetrics(registry) },
  ],
  exports: [DistributedLock],
})
export class LockModule extends ConfigurableLockModule {}
