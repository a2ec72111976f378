import { Injectable } from '@nestjs/common';
import { EventEnvelope } from '@app/contracts';
import { BatchLocks } from '@app/consistency';
import { StockRepository } from './stock.repository';

/**
 * Every handler here locks stock rows, and one transaction may handle several orders: the rows are
 * all locked first, in SKU order (the SKUs an order.created asks for, and those reserved for the
 * orders the other events settle), so two transactions never wait on each other in a cycle.
 */
@Injectable()
export class StockBatchLocks extends BatchLocks {
  constructor(private readonly stock: StockRepository) {
    super();
  }

  async lock(events: readonly EventEnvelope[]): Promise<void> {
    const skus: string[] = [];
    const settled: string[] = [];
    for (const event of events) {
      if (event.type === 'order.created') {
        skus.push(...(event as EventEnvelope<'order.created'>).payload.items.map((line) => line.sku));
      } else {
        settled.push(event.orderId);
      }
    }
    await this.stock.lockInSkuOrder(skus, settled);
  }
}
