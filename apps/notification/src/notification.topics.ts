import { Topics } from '@app/contracts';

/** Every topic the notification service consumes: order outcomes. */
export const NOTIFICATION_CONSUMES = [Topics.order] as const;
