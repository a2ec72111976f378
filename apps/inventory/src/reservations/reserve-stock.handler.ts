import { Injectable } from '@nestjs/common';
import { EventEnvelope, OrderLine } from '@app/contracts';
import { OutboxService, SagaBarrier, TransactionHost } from '@app/consistency';

/** The saga step inventory owns; its compensation is ReleaseStockHandler. */
export const RESERVE_STOCK_STEP = 'reserve-stock';

type Decision = { reserved: true; items: OrderLine[] } | { reserved: false; reason: string };

/**
 * Reserves every line of an order or none: one conditional UPDATE per SKU, taken in SKU order so
 * two multi-SKU orders never lock rows in opposite orders (no deadlocks).
 */
@Injectable()
export class ReserveStockHandler {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly barrier: SagaBarrier,
  ) {}

  async handle(event: EventEnvelope<'order.created'>): Promise<void> {
    // A duplicate, or a reservation arriving after its order was already cancelled (hanging).
    if ((await this.barrier.forward(event.orderId, RESERVE_STOCK_STEP)) !== 'run') {
      return;
    }
    const manager = this.transactions.manager;
    await manager.query(`INSERT INTO reservations (order_id, status) VALUES ($1, 'RESERVED')`, [event.orderId]);
    const decision = await this.reserveAll(event.orderId, mergeLines(event.payload.items));
    if (decision.reserved) {
      await this.outbox.enqueue({
        type: 'inventory.reserved',
        orderId: event.orderId,
        payload: {
          customerId: event.payload.customerId,
          items: decision.items,
          shippingAddress: event.payload.shippingAddress,
        },
      });
      return;
    }
    await manager.query(
      `UPDATE reservations SET status = 'REJECTED', reason = $2, updated_at = now() WHERE order_id = $1`,
      [event.orderId, decision.reason],
    );
    await this.outbox.enqueue({
      type: 'inventory.rejected',
      orderId: event.orderId,
      payload: { reason: decision.reason },
    });
  }

  private async reserveAll(orderId: string, lines: OrderLine[]): Promise<Decision> {
    const manager = this.transactions.manager;
    await manager.query('SAVEPOINT reserve_lines');
    for (const line of lines) {
      const [, updated] = await manager.query<[unknown[], number]>(
        `UPDATE stock_items SET available = available - $2, reserved = reserved + $2, updated_at = now()
         WHERE sku = $1 AND available >= $2`,
        [line.sku, line.quantity],
      );
      if (updated === 0) {
        await manager.query('ROLLBACK TO SAVEPOINT reserve_lines');
        return { reserved: false, reason: await this.shortage(line) };
      }
    }
    for (const line of lines) {
      await manager.query('INSERT INTO reservation_lines (order_id, sku, quantity) VALUES ($1, $2, $3)', [
        orderId,
        line.sku,
        line.quantity,
      ]);
    }
    return { reserved: true, items: lines };
  }

  private async shortage(line: OrderLine): Promise<string> {
    const [stock] = await this.transactions.manager.query<Array<{ available: number }>>(
      'SELECT available FROM stock_items WHERE sku = $1',
      [line.sku],
    );
    return stock
      ? `out of stock: ${line.sku} has ${stock.available} available, ${line.quantity} requested`
      : `unknown sku: ${line.sku}`;
  }
}

/** One line per SKU, sorted: the lock order every reservation follows. */
export function mergeLines(lines: OrderLine[]): OrderLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of lines) {
    bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  }
  return [...bySku.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
}
