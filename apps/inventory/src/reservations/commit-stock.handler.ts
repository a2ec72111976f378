import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@app/consistency';

/** On order.completed the reserved units are shipped: they stop being reserved, and never come back. */
@Injectable()
export class CommitStockHandler {
  constructor(private readonly transactions: TransactionHost) {}

  async handle(orderId: string): Promise<void> {
    const manager = this.transactions.manager;
    const [committed] = await manager.query<[unknown[], number]>(
      `UPDATE reservations SET status = 'COMMITTED', updated_at = now()
       WHERE order_id = $1 AND status = 'RESERVED' RETURNING order_id`,
      [orderId],
    );
    if (committed.length === 0) {
      return;
    }
    await manager.query(
      `UPDATE stock_items s SET reserved = s.reserved - l.quantity, updated_at = now()
       FROM reservation_lines l WHERE l.order_id = $1 AND s.sku = l.sku`,
      [orderId],
    );
  }
}
