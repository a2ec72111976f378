import { runService } from '@app/consistency';
import { notificationManifest } from './notification.manifest';
import { NotificationModule } from './notification.module';

runService({ manifest: notificationManifest, module: (config) => NotificationModule.forRoot(config) });
