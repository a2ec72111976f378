import { Injectable } from '@nestjs/common';
import { OutboxService, SagaBarrier, TransactionHost } from '@app/consistency';
import { CarrierClient } from '../carrier/carrier.client';
import { BOOK_SHIPMENT_STEP } from './book-shipment.handler';

/**
 * Compensation of the booking, on order.cancelled: cancels the carrier booking if there is one, once;
 * a cancellation that arrives first blocks a late booking (hanging) through the barrier.
 */
@Injectable()
export class CancelShipmentHandler {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly barrier: SagaBarrier,
    private readonly carrier: CarrierClient,
  ) {}

  async handle(orderId: string): Promise<void> {
    if ((await this.barrier.compensate(orderId, BOOK_SHIPMENT_STEP)) !== 'run') {
      return;
    }
    const [shipment] = await this.transactions.manager.query<Array<{ id: string; carrier_reference: string }>>(
      `SELECT id, carrier_reference FROM shipments WHERE order_id = $1 AND status = 'BOOKED' FOR UPDATE`,
      [orderId],
    );
    if (!shipment) {
      return;
    }
    await this.carrier.cancel(shipment.carrier_reference);
    await this.transactions.manager.query(
      `UPDATE shipments SET status = 'CANCELLED', updated_at = now() WHERE id = $1`,
      [shipment.id],
    );
    await this.outbox.enqueue({ type: 'shipping.cancelled', orderId, payload: { shipmentId: shipment.id } });
  }
}
