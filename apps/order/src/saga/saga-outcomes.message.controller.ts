import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@app/contracts';
import { OnEvent } from '@app/consistency';
import { OrderSaga } from './order-saga';

/** The outcomes of the saga's steps, each handled in one transaction with its inbox row. */
@Controller()
export class SagaOutcomesMessageController {
  constructor(private readonly saga: OrderSaga) {}

  @OnEvent('inventory.reserved')
  onStockReserved(@Payload() event: EventEnvelope<'inventory.reserved'>): Promise<void> {
    return this.saga.stockReserved(event.orderId);
  }

  @OnEvent('inventory.rejected')
  onStockRejected(@Payload() event: EventEnvelope<'inventory.rejected'>): Promise<void> {
    return this.saga.stockRejected(event.orderId, event.payload.reason);
  }

  // The last step of compensation: the order is CANCELLED and announced only once the stock is back.
  @OnEvent('inventory.released', { compensation: true })
  onStockReleased(@Payload() event: EventEnvelope<'inventory.released'>): Promise<void> {
    return this.saga.stockReleased(event.orderId);
  }

  @OnEvent('shipping.scheduled')
  onShipmentScheduled(@Payload() event: EventEnvelope<'shipping.scheduled'>): Promise<void> {
    return this.saga.shipmentScheduled(event.orderId, event.payload.shipmentId);
  }

  @OnEvent('shipping.failed')
  onShipmentFailed(@Payload() event: EventEnvelope<'shipping.failed'>): Promise<void> {
    return this.saga.shipmentFailed(event.orderId, event.payload.reason);
  }
}
