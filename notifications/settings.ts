/**
 * What the worker's notification code needs to know when it enqueues: whether e-mail is on (no
 * rows are written for a channel nobody can send) and the time zone deadlines are shown in. Set
 * once at worker start (app/system.ts, test/support/stack.ts) from the configuration.
 */
import { DEFAULT_TIME_ZONE } from '../domain/time';

export interface NotificationSettings {
  /** SMTP_URL is set: e-mail rows are enqueued for people who have an address. */
  emailEnabled: boolean;
  /** IANA zone of the times in messages (NOTIFY_TIME_ZONE). */
  timeZone: string;
}

let current: NotificationSettings = { emailEnabled: false, timeZone: DEFAULT_TIME_ZONE };

export function setNotificationSettings(s: Partial<NotificationSettings>): NotificationSettings {
  current = { ...current, ...s };
  return current;
}

export function notificationSettings(): NotificationSettings {
  return current;
}
