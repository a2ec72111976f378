import { Injectable } from '@nestjs/common';
import { OrderLine } from '@app/contracts';
import { TransactionHost } from '@app/consistency';

/** The reservations and reservation_lines tables' SQL; every call joins the caller's transaction. */
@Injectable()
export class ReservationsRepository {
  constructor(private readonly transactions: TransactionHost) {}

  async open(orderId: string): Promise<void> {
    await this.transactions.prepared(`INSERT INTO reservations (order_id, status) VALUES ($1, 'RESERVED')`, [orderId]);
  }

  async addLines(orderId: string, lines: OrderLine[]): Promise<void> {
    for (const line of lines) {
      await this.transactions.prepared('INSERT INTO reservation_lines (order_id, sku, quantity) VALUES ($1, $2, $3)', [
        orderId,
        line.sku,
        line.quantity,
      ]);
    }
  }

  async reject(orderId: string, reason: string): Promise<void> {
    await this.transactions.manager.query(
      `UPDATE reservations SET status = 'REJECTED', reason = $2, updated_at = now() WHERE order_id = $1`,
      [orderId, reason],
    );
  }

  /** Moves a RESERVED reservation to `status`; false when it was not RESERVED (already settled). */
  async settle(orderId: string, status: 'COMMITTED' | 'RELEASED'): Promise<boolean> {
    const { rowCount } = await this.transactions.prepared(
      `UPDATE reservations SET status = $2, updated_at = now()
       WHERE order_id = $1 AND status = 'RESERVED' RETURNING order_id`,
      [orderId, status],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The lines held for an order, in SKU order. */
  linesOf(orderId: string): Promise<OrderLine[]> {
    return this.transactions.manager.query<OrderLine[]>(
      'SELECT sku, quantity FROM reservation_lines WHERE order_id = $1 ORDER BY sku',
      [orderId],
    );
  }
}
