import { Logger } from '@nestjs/common';
import { NotificationChannel, OutgoingNotification } from './notification-channel';

/** The default channel: one structured log line per notification. */
export class LogChannel implements NotificationChannel {
  readonly name = 'log';
  private readonly logger = new Logger('NotificationChannel');

  send(notification: OutgoingNotification): Promise<void> {
    this.logger.log({ msg: 'notification sent', ...notification });
    return Promise.resolve();
  }
}
