import { Module } from '@nestjs/common';
import { TransactionHost } from './transaction-host';

/** One database transaction per unit of work, found implicitly by the code that runs inside it. */
@Module({ providers: [TransactionHost], exports: [TransactionHost] })
export class TransactionModule {}
