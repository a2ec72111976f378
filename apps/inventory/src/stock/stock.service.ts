import { Injectable, NotFoundException } from '@nestjs/common';
import { Transactional } from '@app/consistency';
import { StockRepository, StockView } from './stock.repository';

@Injectable()
export class StockService {
  constructor(private readonly stock: StockRepository) {}

  /** Admin/seed: sets what can be sold; units already reserved stay reserved. */
  @Transactional()
  setAvailable(sku: string, available: number): Promise<StockView> {
    return this.stock.setAvailable(sku, available);
  }

  async getStock(sku: string): Promise<StockView> {
    const row = await this.stock.find(sku);
    if (!row) {
      throw new NotFoundException(`sku ${sku} is not stocked`);
    }
    return row;
  }
}
