import { Injectable } from '@nestjs/common';
import { EventEnvelope, OrderLine } from '@app/contracts';
import { OutboxService, SagaBarrier } from '@app/consistency';
import { StockRepository } from '../stock/stock.repository';
import { ReservationsRepository } from './reservations.repository';

/** The saga step inventory owns; its compensation is ReleaseStockHandler. */
export const RESERVE_STOCK_STEP = 'reserve-stock';

/**
 * Reserves every line of an order or none, taking SKUs in order so two multi-SKU orders never lock
 * rows in opposite orders (no deadlocks); answers inventory.reserved or inventory.rejected.
 */
@Injectable()
export class ReserveStockHandler {
  constructor(
    private readonly stock: StockRepository,
    private readonly reservations: ReservationsRepository,
    private readonly outbox: OutboxService,
    private readonly barrier: SagaBarrier,
  ) {}

  async handle(event: EventEnvelope<'order.created'>): Promise<void> {
    // A duplicate, or a reservation arriving after its order was already cancelled (hanging).
    if ((await this.barrier.forward(event.orderId, RESERVE_STOCK_STEP)) !== 'run') {
      return;
    }
    const lines = mergeLines(event.payload.items);
    const { short } = await this.stock.reserveAll(lines);
    if (!short) {
      await this.reservations.reserved(event.orderId, lines);
      await this.outbox.enqueue({
        type: 'inventory.reserved',
        orderId: event.orderId,
        payload: {
          customerId: event.payload.customerId,
          items: lines,
          shippingAddress: event.payload.shippingAddress,
        },
      });
      return;
    }
    const reason = await this.shortage(short);
    await this.reservations.rejected(event.orderId, reason);
    await this.outbox.enqueue({ type: 'inventory.rejected', orderId: event.orderId, payload: { reason } });
  }

  private async shortage(line: OrderLine): Promise<string> {
    const stock = await this.stock.find(line.sku);
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
