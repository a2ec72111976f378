import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@app/contracts';
import { currentMessage, OutboxService, SagaBarrier, TransactionHost } from '@app/consistency';
import { SHIPPING_OPTIONS } from '../shipping.options';
import type { ShippingOptions } from '../shipping.options';
import { ShipmentWorker } from './shipment.worker';
import { Cause, ShipmentsRepository } from './shipments.repository';

/** The saga step shipping owns; its compensation is CancelShipmentHandler. */
export const BOOK_SHIPMENT_STEP = 'book-shipment';

/**
 * Books a shipment for reserved stock: an unserved destination fails at once; otherwise the intent
 * to book is recorded in the consumer's short transaction, and the worker calls the carrier (an
 * external system) after commit, outside any transaction.
 */
@Injectable()
export class BookShipmentHandler {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly barrier: SagaBarrier,
    private readonly shipments: ShipmentsRepository,
    private readonly worker: ShipmentWorker,
    @Inject(SHIPPING_OPTIONS) private readonly options: ShippingOptions,
  ) {}

  async handle(event: EventEnvelope<'inventory.reserved'>): Promise<void> {
    const { orderId } = event;
    if ((await this.barrier.forward(orderId, BOOK_SHIPMENT_STEP)) !== 'run') {
      return;
    }
    const country = event.payload.shippingAddress.country;
    if (!this.options.destinations.includes(country)) {
      await this.outbox.enqueue({
        type: 'shipping.failed',
        orderId,
        payload: { reason: `destination ${country} is not served` },
      });
      return;
    }
    await this.shipments.addBooking({
      id: randomUUID(),
      orderId,
      customerId: event.payload.customerId,
      country,
      cause: causeOfCurrentMessage(),
    });
    this.transactions.afterCommit(this.worker.wake);
  }
}

/** The event being handled, as the cause of the event the worker will publish for it later. */
export function causeOfCurrentMessage(): Cause {
  const message = currentMessage();
  return {
    correlationId: message?.envelope.correlationId,
    causationId: message?.envelope.id,
    traceparent: message?.traceparent,
  };
}
