/** A notification ready to leave the system. */
export interface OutgoingNotification {
  id: string;
  orderId: string;
  outcome: string;
  message: string;
}

/** Where notifications go: e-mail, SMS and the like implement this; the default writes a log line. */
export interface NotificationChannel {
  readonly name: string;
  /** Sends one notification; must tolerate being called again for the same id after a crash. */
  send(notification: OutgoingNotification): Promise<void>;
}

export const NOTIFICATION_CHANNEL = Symbol('NOTIFICATION_CHANNEL');
