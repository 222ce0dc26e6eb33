/** Notification settings in the environment: validated at start, passwords never echoed. */
import { ConfigError, parseEnv } from '../../config/env';
import { notificationConfigFromEnv } from '../../notifications/runtime';

test('defaults: e-mail off, Beijing time, bounded retries', () => {
  const cfg = notificationConfigFromEnv(parseEnv({}));
  expect(cfg).toMatchObject({
    smtpUrl: undefined,
    smtpFrom: '网络安全工作责任制 <cyberduty@localhost>',
    smtpTlsRejectUnauthorized: true,
    maxAttempts: 10,
    pollMs: 1000,
    leaseMs: 60000,
    sendTimeoutMs: 15000,
    timeZone: 'Asia/Shanghai',
  });
});

test('SMTP and retry settings are read', () => {
  const cfg = notificationConfigFromEnv(
    parseEnv({
      SMTP_URL: 'smtps://mailer:s3cret@mail.example.edu.cn:465',
      SMTP_FROM: 'cyberduty@example.edu.cn',
      SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
      NOTIFY_MAX_ATTEMPTS: '4',
      NOTIFY_TIME_ZONE: 'Asia/Hong_Kong',
    }),
  );
  expect(cfg).toMatchObject({ smtpUrl: 'smtps://mailer:s3cret@mail.example.edu.cn:465', smtpFrom: 'cyberduty@example.edu.cn', smtpTlsRejectUnauthorized: false, maxAttempts: 4, timeZone: 'Asia/Hong_Kong' });
});

test.each([
  [{ SMTP_URL: 'http://mailer:s3cret@mail.example.edu.cn' }, 'SMTP_URL="http://***@mail.example.edu.cn"'],
  [{ SMTP_FROM: 'not an address' }, 'SMTP_FROM'],
  [{ SMTP_TLS_REJECT_UNAUTHORIZED: 'maybe' }, 'SMTP_TLS_REJECT_UNAUTHORIZED'],
  [{ NOTIFY_MAX_ATTEMPTS: '0' }, 'NOTIFY_MAX_ATTEMPTS'],
  [{ NOTIFY_TIME_ZONE: 'Mars/Olympus_Mons' }, 'must be an IANA time zone'],
  [{ NOTIFY_LEASE_MS: '10000', NOTIFY_SEND_TIMEOUT_MS: '8000' }, 'NOTIFY_LEASE_MS=10000 must be at least twice NOTIFY_SEND_TIMEOUT_MS=8000'],
])('refused: %j', (env, message) => {
  expect(() => parseEnv(env)).toThrow(ConfigError);
  expect(() => parseEnv(env)).toThrow(message);
  try {
    parseEnv(env);
  } catch (err) {
    expect((err as Error).message).not.toContain('s3cret');
  }
});
