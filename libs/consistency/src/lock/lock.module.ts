import { Module } from '@nestjs/common';
import { TransactionModule } from '../transaction/transaction.module';
import { DistributedLock } from './distributed-lock';
import { ConfigurableLockModule } from './lock.module-definition';
import { CreateDistributedLocks1764000000005 } from './lock.migration';

export const LOCK_MIGRATIONS = [CreateDistributedLocks1764000000005];

/** The guarded lease for work that spans systems; `forRoot(LockOptions)`. */
@Module({ imports: [TransactionModule], providers: [DistributedLock], exports: [DistributedLock] })
export class LockModule extends ConfigurableLockModule {}
