import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@app/contracts';
import { OnEvent } from '@app/consistency';
import { CommitStockHandler } from './commit-stock.handler';
import { ReleaseStockHandler } from './release-stock.handler';
import { ReserveStockHandler } from './reserve-stock.handler';

/** Entry points for saga events; the consumer runs each in one transaction with its inbox row. */
@Controller()
export class SagaEventsMessageController {
  constructor(
    private readonly reserveStock: ReserveStockHandler,
    private readonly releaseStock: ReleaseStockHandler,
    private readonly commitStock: CommitStockHandler,
  ) {}

  @OnEvent('order.created')
  onOrderCreated(@Payload() event: EventEnvelope<'order.created'>): Promise<void> {
    return this.reserveStock.handle(event);
  }

  @OnEvent('order.completed')
  onOrderCompleted(@Payload() event: EventEnvelope<'order.completed'>): Promise<void> {
    return this.commitStock.handle(event.orderId);
  }

  @OnEvent('order.cancelled', { compensation: true })
  onOrderCancelled(@Payload() event: EventEnvelope<'order.cancelled'>): Promise<void> {
    return this.releaseStock.handle(event.orderId);
  }

  @OnEvent('shipping.failed', { compensation: true })
  onShippingFailed(@Payload() event: EventEnvelope<'shipping.failed'>): Promise<void> {
    return this.releaseStock.handle(event.orderId);
  }
}
