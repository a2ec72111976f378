import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * BOOKING → BOOKED, or → FAILED when the carrier keeps failing; a cancellation moves BOOKING or BOOKED
 * to CANCELLING, which ends CANCELLED once the carrier has cancelled the booking.
 */
export type ShipmentStatus = 'BOOKING' | 'BOOKED' | 'FAILED' | 'CANCELLING' | 'CANCELLED';

/** Shipments the worker still has to take to the carrier. */
export const IN_FLIGHT_SHIPMENT_STATUSES: readonly ShipmentStatus[] = ['BOOKING', 'CANCELLING'];

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

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
