import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { PoisonMessageError, TransactionBuffer, TransactionHost } from '@app/consistency';

const FOREIGN_KEY_VIOLATION = '23503';

interface SagaStepRow {
  orderId: string;
  step: string;
  status: string;
  detail: string | null;
  /** A participant's step happened at its event's occurredAt; ours, null, when written (the database's clock). */
  at: string | null;
}

/**
 * The saga_steps table's SQL: each order's saga as a log of steps, in the caller's transaction. The
 * steps a transaction appends are written together just before it commits (one statement for a
 * whole batch of events), and before any read of the log in it.
 */
@Injectable()
export class SagaLogRepository {
  private readonly pending: TransactionBuffer<SagaStepRow>;

  constructor(private readonly transactions: TransactionHost) {
    this.pending = new TransactionBuffer(transactions, (rows) => this.insert(rows));
  }

  /** Appends a step, at `occurredAt` when given (a participant's step) or when written (ours). */
  append(orderId: string, step: string, status: string, detail?: string, occurredAt?: string): void {
    this.pending.add({ orderId, step, status, detail: detail ?? null, at: occurredAt ?? null });
  }

  async has(orderId: string, step: string, status: string): Promise<boolean> {
    await this.pending.flush();
    const rows = await this.transactions.manager.query<unknown[]>(
      'SELECT 1 FROM saga_steps WHERE order_id = $1 AND step = $2 AND status = $3 LIMIT 1',
      [orderId, step, status],
    );
    return rows.length > 0;
  }

  private async insert(rows: SagaStepRow[]): Promise<void> {
    try {
      await this.transactions.prepared(
        `INSERT INTO saga_steps (order_id, step, status, detail, at)
         SELECT order_id, step, status, detail, COALESCE(at, clock_timestamp())
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS s(order_id, step, status, detail, at)`,
        [
          rows.map((row) => row.orderId),
          rows.map((row) => row.step),
          rows.map((row) => row.status),
          rows.map((row) => row.detail),
          rows.map((row) => row.at),
        ],
      );
    } catch (error) {
      // A reply for an order this service never created cannot succeed on any retry.
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === FOREIGN_KEY_VIOLATION
      ) {
        const detail = (error.driverError as { detail?: string }).detail ?? '';
        const missing = rows.find((row) => detail.includes(`(${row.orderId})`)) ?? rows[0];
        throw new PoisonMessageError(
          `${missing.step} ${missing.status} for order ${missing.orderId}, which does not exist`,
        );
      }
      throw error;
    }
  }
}
