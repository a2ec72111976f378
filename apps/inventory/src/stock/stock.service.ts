import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface StockView {
  sku: string;
  available: number;
  reserved: number;
}

@Injectable()
export class StockService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Admin/seed: sets what can be sold; units already reserved stay reserved. */
  async setAvailable(sku: string, available: number): Promise<StockView> {
    const [row] = await this.dataSource.query<StockView[]>(
      `INSERT INTO stock_items (sku, available, reserved) VALUES ($1, $2, 0)
       ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, updated_at = now()
       RETURNING sku, available, reserved`,
      [sku, available],
    );
    return row;
  }

  async getStock(sku: string): Promise<StockView> {
    const [row] = await this.dataSource.query<StockView[]>(
      'SELECT sku, available, reserved FROM stock_items WHERE sku = $1',
      [sku],
    );
    if (!row) {
      throw new NotFoundException(`sku ${sku} is not stocked`);
    }
    return row;
  }
}
