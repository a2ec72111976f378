import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TransactionHost } from '@app/consistency';
import { Notification } from './notification.entity';

export type NewNotification = Pick<Notification, 'id' | 'orderId' | 'customerId' | 'outcome' | 'channel' | 'message'>;

/** The notifications table's SQL. The insert joins the caller's transaction; reads run on the pool. */
@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectRepository(Notification) private readonly notifications: Repository<Notification>,
    private readonly transactions: TransactionHost,
  ) {}

  /** Records the notification unless one exists for the same order and outcome; true when this one is new. */
  async insertFirst(notification: NewNotification): Promise<boolean> {
    const { id, orderId, customerId, outcome, channel, message } = notification;
    const { rowCount } = await this.transactions.prepared(
      `INSERT INTO notifications (id, order_id, customer_id, outcome, channel, message) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (order_id, outcome) DO NOTHING RETURNING id`,
      [id, orderId, customerId, outcome, channel, message],
    );
    return rowCount === 1;
  }

  /** An order's notifications, oldest first; with `owner`, only that customer's. */
  listForOrder(orderId: string, owner: string | null): Promise<Notification[]> {
    return this.notifications.find({
      where: { orderId, ...(owner === null ? {} : { customerId: owner }) },
      order: { createdAt: 'ASC' },
    });
  }
}
