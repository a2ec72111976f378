import { Injectable } from '@nestjs/common';
import { OrderLine } from '@app/contracts';
import { TransactionHost } from '@app/consistency';

/** The reservations and reservation_lines tables' SQL; every call joins the caller's transaction. */
@Injectable()
export class ReservationsRepository {
  constructor(private readonly transactions: TransactionHost) {}

  /** Records the order's reservation with the lines it holds, in one statement. */
  async reserved(orderId: string, lines: OrderLine[]): Promise<void> {
    await this.transactions.prepared(
      `WITH reservation AS (INSERT INTO reservations (order_id, status) VALUES ($1, 'RESERVED') RETURNING order_id)
       INSERT INTO reservation_lines (order_id, sku, quantity)
       SELECT reservation.order_id, line.sku, line.quantity
       FROM reservation, unnest($2::text[], $3::int[]) AS line(sku, quantity)`,
      [orderId, lines.map((line) => line.sku), lines.map((line) => line.quantity)],
    );
  }

  /** Records that the order's reservation was refused, and why. */
  async rejected(orderId: string, reason: string): Promise<void> {
    await this.transactions.prepared(
      `INSERT INTO reservations (order_id, status, reason) VALUES ($1, 'REJECTED', $2)`,
      [orderId, reason],
    );
  }

  /** Moves a RESERVED reservation to RELEASED; false when it was not RESERVED (already settled). */
  async release(orderId: string): Promise<boolean> {
    const { rowCount } = await this.transactions.prepared(
      `UPDATE reservations SET status = 'RELEASED', updated_at = now()
       WHERE order_id = $1 AND status = 'RESERVED' RETURNING order_id`,
      [orderId],
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
