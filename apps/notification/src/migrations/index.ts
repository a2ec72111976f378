import { CreateNotifications1764000000000 } from './1764000000000-create-notifications';

export const notificationMigrations = [CreateNotifications1764000000000];
