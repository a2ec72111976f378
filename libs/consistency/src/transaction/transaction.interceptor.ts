import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { from, lastValueFrom, Observable } from 'rxjs';
import { TransactionHost } from './transaction-host';

/**
 * Wraps a Nest handler (HTTP or Kafka) in one transaction: its state changes and the events it
 * enqueued into the outbox commit together or not at all.
 */
@Injectable()
export class OutboxInterceptor implements NestInterceptor {
  constructor(private readonly transactions: TransactionHost) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return from(this.transactions.run(() => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
