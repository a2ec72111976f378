import { CreateNotifications1764000000000 } from './1764000000000-create-notifications';
import { NotificationOwner1764000000020 } from './1764000000020-notification-owner';

export const notificationMigrations = [CreateNotifications1764000000000, NotificationOwner1764000000020];
