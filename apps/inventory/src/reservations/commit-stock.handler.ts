import { Injectable } from '@nestjs/common';
import { StockRepository } from '../stock/stock.repository';
import { ReservationsRepository } from './reservations.repository';

/** On order.completed the reserved units are shipped: they stop being reserved, and never come back. */
@Injectable()
export class CommitStockHandler {
  constructor(
    private readonly stock: StockRepository,
    private readonly reservations: ReservationsRepository,
  ) {}

  async handle(orderId: string): Promise<void> {
    if (await this.reservations.settle(orderId, 'COMMITTED')) {
      await this.stock.ship(orderId);
    }
  }
}
