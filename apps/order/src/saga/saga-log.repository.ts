import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { PoisonMessageError, TransactionHost } from '@app/consistency';

const FOREIGN_KEY_VIOLATION = '23503';

/** The saga_steps table's SQL: each order's saga as a log of steps. Joins the caller's transaction. */
@Injectable()
export class SagaLogRepository {
  constructor(private readonly transactions: TransactionHost) {}

  /** Appends a step, at `occurredAt` when given (a participant's step) or now (ours). */
  async append(orderId: string, step: string, status: string, detail?: string, occurredAt?: string): Promise<void> {
    try {
      await this.transactions.manager.query(
        'INSERT INTO saga_steps (order_id, step, status, detail, at) VALUES ($1, $2, $3, $4, COALESCE($5, clock_timestamp()))',
        [orderId, step, status, detail ?? null, occurredAt ?? null],
      );
    } catch (error) {
      // A reply for an order this service never created cannot succeed on any retry.
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === FOREIGN_KEY_VIOLATION
      ) {
        throw new PoisonMessageError(`${step} ${status} for order ${orderId}, which does not exist`);
      }
      throw error;
    }
  }

  async has(orderId: string, step: string, status: string): Promise<boolean> {
    const rows = await this.transactions.manager.query<unknown[]>(
      'SELECT 1 FROM saga_steps WHERE order_id = $1 AND step = $2 AND status = $3 LIMIT 1',
      [orderId, step, status],
    );
    return rows.length > 0;
  }
}
