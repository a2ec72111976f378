import { runService } from '@app/consistency';
import { NotificationModule } from './notification.module';
import { NOTIFICATION_CONSUMES } from './notification.topics';

runService({
  service: 'notification',
  module: (config) => NotificationModule.forRoot(config),
  consumes: NOTIFICATION_CONSUMES,
});
