import { Module } from '@nestjs/common';
import { TransactionModule } from '../transaction/transaction.module';
import { CreateSagaBarrier1764000000006 } from './barrier.migration';
import { SagaBarrier } from './saga-barrier';

export const BARRIER_MIGRATIONS = [CreateSagaBarrier1764000000006];

/** Forward steps and their compensations made safe against duplicates, null compensation and hanging. */
@Module({ imports: [TransactionModule], providers: [SagaBarrier], exports: [SagaBarrier] })
export class BarrierModule {}
