import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrderLine } from '@app/contracts';
import { TransactionHost } from '@app/consistency';

export interface StockView {
  sku: string;
  available: number;
  reserved: number;
}

/** The stock_items table's SQL. Writes join the caller's transaction; a read outside one uses the pool. */
@Injectable()
export class StockRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionHost,
  ) {}

  /** Sets what can be sold; units already reserved stay reserved. */
  async setAvailable(sku: string, available: number): Promise<StockView> {
    const [row] = await this.transactions.manager.query<StockView[]>(
      `INSERT INTO stock_items (sku, available, reserved) VALUES ($1, $2, 0)
       ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, updated_at = now()
       RETURNING sku, available, reserved`,
      [sku, available],
    );
    return row;
  }

  async find(sku: string): Promise<StockView | undefined> {
    const manager = this.transactions.active ? this.transactions.manager : this.dataSource.manager;
    const [row] = await manager.query<StockView[]>('SELECT sku, available, reserved FROM stock_items WHERE sku = $1', [
      sku,
    ]);
    return row;
  }

  /**
   * Locks, in SKU order, the stock of `skus` and of the lines reserved for `orderIds`: taken before any
   * handler of a transaction runs, so every transaction locks stock rows in one global order.
   */
  async lockInSkuOrder(skus: string[], orderIds: string[]): Promise<void> {
    await this.transactions.prepared(
      `SELECT sku FROM stock_items
       WHERE sku = ANY($1::text[]) OR sku IN (SELECT sku FROM reservation_lines WHERE order_id = ANY($2::uuid[]))
       ORDER BY sku
       FOR NO KEY UPDATE`,
      [skus, orderIds],
    );
  }

  /**
   * Moves every line from available to reserved, or none: one conditional UPDATE per SKU (the row
   * lock is the oversell guard), in the order given. Returns the first line that could not be had.
   */
  async reserveAll(lines: OrderLine[]): Promise<{ short?: OrderLine }> {
    const manager = this.transactions.manager;
    // With one line there is nothing to undo when it cannot be had.
    const partial = lines.length > 1;
    if (partial) {
      await manager.query('SAVEPOINT reserve_lines');
    }
    for (const line of lines) {
      const { rowCount } = await this.transactions.prepared(
        `UPDATE stock_items SET available = available - $2, reserved = reserved + $2, updated_at = now()
         WHERE sku = $1 AND available >= $2`,
        [line.sku, line.quantity],
      );
      if (rowCount === 0) {
        if (partial) {
          await manager.query('ROLLBACK TO SAVEPOINT reserve_lines');
        }
        return { short: line };
      }
    }
    return {};
  }

  /** Gives reserved units back to available. */
  async release(lines: OrderLine[]): Promise<void> {
    for (const line of lines) {
      await this.transactions.manager.query(
        `UPDATE stock_items SET available = available + $2, reserved = reserved - $2, updated_at = now() WHERE sku = $1`,
        [line.sku, line.quantity],
      );
    }
  }

  /**
   * The units of an order's RESERVED reservation left the warehouse: in one statement the reservation
   * becomes COMMITTED and its units stop being reserved, never to come back. A reservation that was
   * not RESERVED (settled already) moves nothing.
   */
  async ship(orderId: string): Promise<void> {
    await this.transactions.prepared(
      `WITH committed AS (
         UPDATE reservations SET status = 'COMMITTED', updated_at = now()
         WHERE order_id = $1 AND status = 'RESERVED' RETURNING order_id
       )
       UPDATE stock_items s SET reserved = s.reserved - l.quantity, updated_at = now()
       FROM reservation_lines l JOIN committed c ON c.order_id = l.order_id
       WHERE s.sku = l.sku`,
      [orderId],
    );
  }
}
