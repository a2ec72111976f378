import { Injectable } from '@nestjs/common';
import { OutboxService, SagaBarrier } from '@app/consistency';
import { StockRepository } from '../stock/stock.repository';
import { RESERVE_STOCK_STEP } from './reserve-stock.handler';
import { ReservationsRepository } from './reservations.repository';

/**
 * Compensation of the reservation: gives back exactly the lines held for the order, once, whatever
 * triggered it (shipping failed, order cancelled) and in whatever order the triggers arrive.
 */
@Injectable()
export class ReleaseStockHandler {
  constructor(
    private readonly stock: StockRepository,
    private readonly reservations: ReservationsRepository,
    private readonly outbox: OutboxService,
    private readonly barrier: SagaBarrier,
  ) {}

  async handle(orderId: string): Promise<void> {
    // 'null-compensation': nothing was reserved, and the barrier now blocks a late reservation.
    if ((await this.barrier.compensate(orderId, RESERVE_STOCK_STEP)) !== 'run') {
      return;
    }
    if (!(await this.reservations.release(orderId))) {
      return;
    }
    const lines = await this.reservations.linesOf(orderId);
    await this.stock.release(lines);
    await this.outbox.enqueue({ type: 'inventory.released', orderId, payload: { items: lines } });
  }
}
