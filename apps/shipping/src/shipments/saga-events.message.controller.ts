import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@app/contracts';
import { OnEvent } from '@app/consistency';
import { BookShipmentHandler } from './book-shipment.handler';
import { CancelShipmentHandler } from './cancel-shipment.handler';

/** Reservations to ship and cancellations to undo, each in one transaction with its inbox row. */
@Controller()
export class SagaEventsMessageController {
  constructor(
    private readonly bookShipment: BookShipmentHandler,
    private readonly cancelShipment: CancelShipmentHandler,
  ) {}

  @OnEvent('inventory.reserved')
  onStockReserved(@Payload() event: EventEnvelope<'inventory.reserved'>): Promise<void> {
    return this.bookShipment.handle(event);
  }

  @OnEvent('order.cancelled', { compensation: true })
  onOrderCancelled(@Payload() event: EventEnvelope<'order.cancelled'>): Promise<void> {
    return this.cancelShipment.handle(event.orderId);
  }
}
