import { Injectable } from '@nestjs/common';
import { OrderLine } from '@app/contracts';
import { OutboxService, SagaBarrier, TransactionHost } from '@app/consistency';
import { RESERVE_STOCK_STEP } from './reserve-stock.handler';

/**
 * Compensation of the reservation: gives back exactly the lines held for the order, once, whatever
 * triggered it (shipping failed, order cancelled) and in whatever order the triggers arrive.
 */
@Injectable()
export class ReleaseStockHandler {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly barrier: SagaBarrier,
  ) {}

  async handle(orderId: string): Promise<void> {
    // 'null-compensation': nothing was reserved, and the barrier now blocks a late reservation.
    if ((await this.barrier.compensate(orderId, RESERVE_STOCK_STEP)) !== 'run') {
      return;
    }
    const manager = this.transactions.manager;
    const [released] = await manager.query<[unknown[], number]>(
      `UPDATE reservations SET status = 'RELEASED', updated_at = now()
       WHERE order_id = $1 AND status = 'RESERVED'
       RETURNING order_id`,
      [orderId],
    );
    if (released.length === 0) {
      return;
    }
    const lines = await manager.query<OrderLine[]>(
      'SELECT sku, quantity FROM reservation_lines WHERE order_id = $1 ORDER BY sku',
      [orderId],
    );
    for (const line of lines) {
      await manager.query(
        `UPDATE stock_items SET available = available + $2, reserved = reserved - $2, updated_at = now() WHERE sku = $1`,
        [line.sku, line.quantity],
      );
    }
    await this.outbox.enqueue({ type: 'inventory.released', orderId, payload: { items: lines } });
  }
}
