import { Injectable } from '@nestjs/common';
import { StockRepository } from '../stock/stock.repository';

/** On order.completed the reserved units are shipped: they stop being reserved, and never come back. */
@Injectable()
export class CommitStockHandler {
  constructor(private readonly stock: StockRepository) {}

  async handle(orderId: string): Promise<void> {
    await this.stock.ship(orderId);
  }
}
