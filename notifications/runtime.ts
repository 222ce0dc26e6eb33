/**
 * Starting notifications with the worker: settings for enqueueing, the templates (checked at
 * start, so a broken file stops the worker rather than a message), the channels, the dispatcher.
 */
import type { Db } from '../db/client';
import type { Env } from '../config/env';
import { createRobotSender } from './channels/robots';
import { createSmtpSender, describeSmtpUrl } from './channels/smtp';
import type { ChannelSender } from './channels/types';
import { createDispatcher, type Dispatcher, type DispatcherLog, type DispatcherOptions } from './dispatcher';
import { ROBOT_CHANNELS } from './preferences';
import { defaultTemplates } from './render';
import { setNotificationSettings } from './settings';

export interface NotificationConfig {
  smtpUrl?: string;
  smtpFrom: string;
  smtpTlsRejectUnauthorized: boolean;
  maxAttempts: number;
  pollMs: number;
  leaseMs: number;
  sendTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  concurrency: number;
  timeZone: string;
}

export function notificationConfigFromEnv(env: Env): NotificationConfig {
  return {
    smtpUrl: env.SMTP_URL,
    smtpFrom: env.SMTP_FROM,
    smtpTlsRejectUnauthorized: env.SMTP_TLS_REJECT_UNAUTHORIZED,
    maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
    pollMs: env.NOTIFY_POLL_MS,
    leaseMs: env.NOTIFY_LEASE_MS,
    sendTimeoutMs: env.NOTIFY_SEND_TIMEOUT_MS,
    backoffBaseMs: env.NOTIFY_BACKOFF_MS,
    backoffMaxMs: env.NOTIFY_BACKOFF_MAX_MS,
    concurrency: env.NOTIFY_CONCURRENCY,
    timeZone: env.NOTIFY_TIME_ZONE,
  };
}

export interface RunningNotifications {
  dispatcher: Dispatcher;
  emailEnabled: boolean;
  stop(): Promise<void>;
}

/** The channels this configuration can send: e-mail when SMTP_URL is set, the robots always. */
export function createSenders(cfg: NotificationConfig): ChannelSender[] {
  const senders: ChannelSender[] = ROBOT_CHANNELS.map((c) => createRobotSender(c, { timeoutMs: cfg.sendTimeoutMs }));
  if (cfg.smtpUrl) {
    senders.unshift(
      createSmtpSender({
        url: cfg.smtpUrl,
        from: cfg.smtpFrom,
        tlsRejectUnauthorized: cfg.smtpTlsRejectUnauthorized,
        timeoutMs: cfg.sendTimeoutMs,
        maxConnections: Math.min(cfg.concurrency, 10),
      }),
    );
  }
  return senders;
}

export function startNotifications(
  db: Db,
  cfg: NotificationConfig,
  log: DispatcherLog,
  extra: Partial<DispatcherOptions> = {},
): RunningNotifications {
  defaultTemplates();
  const emailEnabled = !!cfg.smtpUrl;
  setNotificationSettings({ emailEnabled, timeZone: cfg.timeZone });
  const dispatcher = createDispatcher({
    db,
    senders: createSenders(cfg),
    log,
    pollMs: cfg.pollMs,
    leaseMs: cfg.leaseMs,
    maxAttempts: cfg.maxAttempts,
    backoffBaseMs: cfg.backoffBaseMs,
    backoffMaxMs: cfg.backoffMaxMs,
    concurrency: cfg.concurrency,
    ...extra,
  });
  dispatcher.start();
  if (emailEnabled) {
    log.info({ smtp: describeSmtpUrl(cfg.smtpUrl!), from: cfg.smtpFrom, channels: dispatcher.channels }, 'notifications: e-mail on, dispatcher running');
  } else {
    log.info(
      { channels: dispatcher.channels },
      '通知：未设置 SMTP_URL，不发送邮件（站内消息和群机器人照常）/ notifications: e-mail off (SMTP_URL not set); in-app and robots work',
    );
  }
  return {
    dispatcher,
    emailEnabled,
    async stop() {
      await dispatcher.stop();
    },
  };
}
