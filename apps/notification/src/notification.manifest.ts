import { defineService } from '@app/consistency';
import { Topics } from '@app/contracts';
import { notificationMigrations } from './migrations';

/** The notification service: one notification per order outcome. It consumes order outcomes. */
export const notificationManifest = defineService({
  name: 'notification',
  defaultPort: 3004,
  consumes: [Topics.order],
  migrations: notificationMigrations,
  patterns: {},
});
