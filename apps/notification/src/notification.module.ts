import { ConsistencyModule, ServiceConfig } from '@app/consistency';
import { notificationManifest } from './notification.manifest';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LogChannel } from './channels/log.channel';
import { NOTIFICATION_CHANNEL } from './channels/notification-channel';
import { Notification } from './notifications/notification.entity';
import { NotificationsHttpController } from './notifications/notifications.http.controller';
import { NotificationsRepository } from './notifications/notifications.repository';
import { NotifyOutcomeHandler } from './notifications/notify-outcome.handler';
import { OrderOutcomesMessageController } from './notifications/order-outcomes.message.controller';

const entities = [Notification];
const httpControllers = [NotificationsHttpController];
const messageControllers = [OrderOutcomesMessageController];
const commandHandlers = [NotifyOutcomeHandler];

@Module({})
export class NotificationModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: NotificationModule,
      imports: [
        ConsistencyModule.forRoot({ manifest: notificationManifest, config, entities }),
        TypeOrmModule.forFeature(entities),
      ],
      controllers: [...httpControllers, ...messageControllers],
      providers: [{ provide: NOTIFICATION_CHANNEL, useClass: LogChannel }, NotificationsRepository, ...commandHandlers],
    };
  }
}
