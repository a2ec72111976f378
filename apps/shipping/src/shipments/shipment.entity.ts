import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type ShipmentStatus = 'BOOKED' | 'CANCELLED';

@Entity('shipments')
export class Shipment {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  /** The order's owner; null for orders placed before owners were carried in events. */
  @Column({ name: 'customer_id', type: 'text', nullable: true })
  customerId!: string | null;

  @Column({ type: 'text' })
  status!: ShipmentStatus;

  @Column({ type: 'text' })
  country!: string;

  @Column({ name: 'carrier_reference', type: 'text', nullable: true })
  carrierReference!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
