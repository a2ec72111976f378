import { Injectable } from '@nestjs/common';
import { SagaBarrier, TransactionHost } from '@app/consistency';
import { BOOK_SHIPMENT_STEP, causeOfCurrentMessage } from './book-shipment.handler';
import { ShipmentWorker } from './shipment.worker';
import { ShipmentsRepository } from './shipments.repository';

/**
 * Compensation of the booking, on order.cancelled: a shipment being booked or booked is marked for
 * cancellation, once, and the worker cancels it at the carrier; a cancellation that arrives first
 * blocks a late booking (hanging) through the barrier.
 */
@Injectable()
export class CancelShipmentHandler {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly barrier: SagaBarrier,
    private readonly shipments: ShipmentsRepository,
    private readonly worker: ShipmentWorker,
  ) {}

  async handle(orderId: string): Promise<void> {
    if ((await this.barrier.compensate(orderId, BOOK_SHIPMENT_STEP)) !== 'run') {
      return;
    }
    if (await this.shipments.requestCancellation(orderId, causeOfCurrentMessage())) {
      this.transactions.afterCommit(this.worker.wake);
    }
  }
}
