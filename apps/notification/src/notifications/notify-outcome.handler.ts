import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TransactionHost } from '@app/consistency';
import { NOTIFICATION_CHANNEL } from '../channels/notification-channel';
import type { NotificationChannel } from '../channels/notification-channel';

/**
 * One notification per order outcome: the (order, outcome) unique index decides, in the handler's
 * transaction, whether this delivery is the first.
 */
@Injectable()
export class NotifyOutcomeHandler {
  constructor(
    private readonly transactions: TransactionHost,
    @Inject(NOTIFICATION_CHANNEL) private readonly channel: NotificationChannel,
  ) {}

  async handle(
    orderId: string,
    customerId: string | undefined,
    outcome: 'COMPLETED' | 'CANCELLED',
    message: string,
  ): Promise<void> {
    const id = randomUUID();
    const inserted = await this.transactions.manager.query<unknown[]>(
      `INSERT INTO notifications (id, order_id, customer_id, outcome, channel, message) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (order_id, outcome) DO NOTHING RETURNING id`,
      [id, orderId, customerId ?? null, outcome, this.channel.name, message],
    );
    if (inserted.length === 1) {
      await this.channel.send({ id, orderId, outcome, message });
    }
  }
}
