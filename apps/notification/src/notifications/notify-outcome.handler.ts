import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NOTIFICATION_CHANNEL } from '../channels/notification-channel';
import type { NotificationChannel } from '../channels/notification-channel';
import { NotificationsRepository } from './notifications.repository';

/**
 * One notification per order outcome: the (order, outcome) unique index decides, in the handler's
 * transaction, whether this delivery is the first.
 */
@Injectable()
export class NotifyOutcomeHandler {
  constructor(
    private readonly notifications: NotificationsRepository,
    @Inject(NOTIFICATION_CHANNEL) private readonly channel: NotificationChannel,
  ) {}

  async handle(
    orderId: string,
    customerId: string | undefined,
    outcome: 'COMPLETED' | 'CANCELLED',
    message: string,
  ): Promise<void> {
    const id = randomUUID();
    const first = await this.notifications.insertFirst({
      id,
      orderId,
      customerId: customerId ?? null,
      outcome,
      channel: this.channel.name,
      message,
    });
    if (first) {
      await this.channel.send({ id, orderId, outcome, message });
    }
  }
}
