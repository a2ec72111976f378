import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('stock_items')
export class StockItem {
  @PrimaryColumn('text')
  sku!: string;

  @Column('integer')
  available!: number;

  @Column('integer')
  reserved!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
