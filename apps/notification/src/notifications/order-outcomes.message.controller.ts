import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@app/contracts';
import { OnEvent } from '@app/consistency';
import { NotifyOutcomeHandler } from './notify-outcome.handler';

/** Order outcomes, each handled in one transaction with its inbox row. */
@Controller()
export class OrderOutcomesMessageController {
  constructor(private readonly notify: NotifyOutcomeHandler) {}

  @OnEvent('order.completed')
  onCompleted(@Payload() event: EventEnvelope<'order.completed'>): Promise<void> {
    return this.notify.handle(
      event.orderId,
      event.payload.customerId,
      'COMPLETED',
      `Your order ${event.orderId} is on its way.`,
    );
  }

  @OnEvent('order.cancelled')
  onCancelled(@Payload() event: EventEnvelope<'order.cancelled'>): Promise<void> {
    return this.notify.handle(
      event.orderId,
      event.payload.customerId,
      'CANCELLED',
      `Your order ${event.orderId} was cancelled: ${event.payload.reason}.`,
    );
  }
}
