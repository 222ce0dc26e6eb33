/**
 * All configuration comes from environment variables, validated here at start. A bad value stops
 * the process with one clear line naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';
import { isTimeZone } from '../domain/time';

const port = z.coerce.number().int().min(1).max(65535);

export const envSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('cyberduty'),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  ORG_FILE: z.string().min(1).optional(),
  POLICY_FILE: z.string().min(1).optional(),
  CALENDAR_FILE: z.string().min(1).optional(),
  /** Optional prefix of notice and proposal numbers, e.g. HEU → HEU-2026-0001. */
  ID_PREFIX: z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1–10 capital letters or digits, starting with a letter').optional(),
  /** How far the notice list's `total` counts; beyond it the answer says "at least" (10,000+). */
  LIST_COUNT_CAP: z.coerce.number().int().min(1).max(10_000_000).default(10000),
  /** How long an action waits for the workflow to accept and record it before answering 503. */
  UPDATE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600000).default(30000),
  /** Accept tokens from the embedded issuer (`npm run token`); switch off in production. */
  AUTH_EMBEDDED: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  OIDC_ISSUER: z.url().optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_JWKS_URL: z.url().optional(),
  OIDC_SUBJECT_CLAIM: z.string().regex(/^[\w.:-]{1,64}$/).default('sub'),
  OIDC_PERSON_MATCH: z.enum(['id', 'staffNo', 'email']).default('staffNo'),
  OIDC_ALGORITHMS: z
    .string()
    .default('RS256,PS256,ES256,EdDSA')
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1)),
  OIDC_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
  // Browser sign-in (README "Sign-in"): which protocol, and the API as a client of the provider.
  AUTH_BROWSER: z.enum(['oidc', 'cas']).optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
  OIDC_REDIRECT_URI: z.url().optional(),
  OIDC_SCOPES: z
    .string()
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'must be scope names separated by single spaces')
    .refine((v) => v.split(' ').includes('openid'), 'must include openid')
    .default('openid profile email'),
  OIDC_POST_LOGOUT_REDIRECT_URI: z.url().optional(),
  CAS_BASE_URL: z.url().optional(),
  /** The CAS attribute naming the person; empty = the `cas:user` itself. */
  CAS_USER_ATTRIBUTE: z.string().regex(/^[\w.:-]{1,64}$/).optional(),
  CAS_PERSON_MATCH: z.enum(['id', 'staffNo', 'email']).default('staffNo'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100000).default(600),
  AUTH_FAILURES_PER_15_MIN: z.coerce.number().int().min(1).max(100000).default(100),
  /** Comma-separated origins allowed to call the API from browsers; empty = same origin only. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url())),
  /** Browser sessions (README "Sign-in"): unused this long, a session ends… */
  SESSION_IDLE_TIMEOUT: z.string().regex(/^\d+[smhd]$/, 'must look like 30m, 8h or 7d').default('30m'),
  /** …and this long after sign-in it ends however much it is used. */
  SESSION_ABSOLUTE_TIMEOUT: z.string().regex(/^\d+[smhd]$/, 'must look like 30m, 8h or 7d').default('10h'),
  TOKEN_TTL: z.string().regex(/^\d+[smhd]$/, 'must look like 30m, 8h or 7d').default('8h'),
  EVIDENCE_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  // Notifications (README "Notifications"). Without SMTP_URL e-mail is off; in-app and robots work.
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^/\s?]+\/?(\?\S*)?$/, 'must look like smtp://user:pass@host:587 or smtps://host:465').optional(),
  SMTP_FROM: z
    .string()
    .regex(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an address, or Name <address>')
    .default('网络安全工作责任制 <cyberduty@localhost>'),
  SMTP_TLS_REJECT_UNAUTHORIZED: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  NOTIFY_POLL_MS: z.coerce.number().int().min(50).max(60000).default(1000),
  NOTIFY_LEASE_MS: z.coerce.number().int().min(2000).max(3600000).default(60000),
  NOTIFY_SEND_TIMEOUT_MS: z.coerce.number().int().min(500).max(600000).default(15000),
  NOTIFY_BACKOFF_MS: z.coerce.number().int().min(10).max(3600000).default(5000),
  NOTIFY_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(86400000).default(1800000),
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  NOTIFY_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').default('Asia/Shanghai'),
  // Stuck processes (issue 11): an activity that has failed more than this many times is listed
  // by GET /api/system/stuck and logged once; the scan describes at most STUCK_SCAN_MAX workflows.
  STUCK_ACTIVITY_FAILURES: z.coerce.number().int().min(1).max(10000).default(5),
  STUCK_SCAN_MAX: z.coerce.number().int().min(1).max(100000).default(500),
  STUCK_SCAN_INTERVAL_MS: z.coerce.number().int().min(1000).max(86400000).default(60000),
  // Operations (README "Operations", "Environment reference").
  /** Bearer token Prometheus sends to /metrics; unset = /metrics answers loopback clients only. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** host:port where the worker's Temporal runtime exports its own Prometheus metrics; unset = off. */
  TEMPORAL_METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. 0.0.0.0:9464').optional(),
  /** Temporal Cloud / a TLS cluster: client certificate and key (mTLS), optional server CA, or an API key. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  // Worker tuning (README "Benchmarks", worker memory): unset = the Temporal SDK's defaults.
  /** Workflows kept in the worker's cache (sticky); the SDK's default follows the heap limit (≈ 2,300 at 4 GB). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  /** Workflow tasks run at once (SDK default 40; at most the cache size). */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).optional(),
  /** Activities run at once (SDK default 100). */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
  /** A pre-built workflow bundle (JS file from bundleWorkflowCode); unset = bundled at worker start. */
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** How long a stopping process waits for requests in flight and activities before it cuts them. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600000).default(10000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema> & { PUBLIC_URL: string };

export class ConfigError extends Error {}

/** `30m`, `8h`, `7d` in seconds. */
export function durationSec(v: string): number {
  const m = /^(\d+)([smhd])$/.exec(v);
  if (!m) throw new Error(`not a duration: ${v}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Parses the environment; throws ConfigError with one line per bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // Empty strings mean "not set".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const r = envSchema.safeParse(cleaned);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      // Credentials in URLs (SMTP_URL, DATABASE_URL) are never printed.
      const value = source[name]?.replace(/\/\/[^@/\s]*@/, '//***@');
      return `Invalid configuration: ${name}${value !== undefined ? `=${JSON.stringify(value)}` : ''}: ${i.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const env = r.data;
  if (env.NOTIFY_LEASE_MS < 2 * env.NOTIFY_SEND_TIMEOUT_MS) {
    throw new ConfigError(
      `Invalid configuration: NOTIFY_LEASE_MS=${env.NOTIFY_LEASE_MS} must be at least twice NOTIFY_SEND_TIMEOUT_MS=${env.NOTIFY_SEND_TIMEOUT_MS} (a send must end well within its lease)`,
    );
  }
  if (!!env.TEMPORAL_TLS_CERT !== !!env.TEMPORAL_TLS_KEY) {
    throw new ConfigError('Invalid configuration: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS)');
  }
  if (env.TEMPORAL_API_KEY && env.TEMPORAL_TLS_CERT) {
    throw new ConfigError('Invalid configuration: use TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/KEY, not both');
  }
  // The provider's bearer tokens (API clients) need all three; browser sign-in needs the issuer
  // and a client id, and may come without bearer verification.
  const oidcSet = [env.OIDC_ISSUER, env.OIDC_AUDIENCE, env.OIDC_JWKS_URL].filter(Boolean).length;
  const browserOnlyOidc = oidcSet === 1 && env.OIDC_ISSUER !== undefined && env.OIDC_CLIENT_ID !== undefined;
  if (oidcSet !== 0 && oidcSet !== 3 && !browserOnlyOidc) {
    throw new ConfigError('Invalid configuration: OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL must be set together');
  }
  const browser = env.AUTH_BROWSER ?? (env.OIDC_CLIENT_ID ? 'oidc' : env.CAS_BASE_URL ? 'cas' : undefined);
  if (browser === 'oidc' && (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID)) {
    throw new ConfigError('Invalid configuration: AUTH_BROWSER=oidc needs OIDC_ISSUER and OIDC_CLIENT_ID');
  }
  if (browser === 'cas' && !env.CAS_BASE_URL) {
    throw new ConfigError('Invalid configuration: AUTH_BROWSER=cas needs CAS_BASE_URL');
  }
  if (!env.AUTH_EMBEDDED && oidcSet !== 3 && !browser) {
    throw new ConfigError(
      'Invalid configuration: AUTH_EMBEDDED=false needs OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL, or a browser sign-in (OIDC_CLIENT_ID or CAS_BASE_URL) (nobody could sign in)',
    );
  }
  if (durationSec(env.SESSION_IDLE_TIMEOUT) > durationSec(env.SESSION_ABSOLUTE_TIMEOUT)) {
    throw new ConfigError(
      `Invalid configuration: SESSION_IDLE_TIMEOUT=${env.SESSION_IDLE_TIMEOUT} is longer than SESSION_ABSOLUTE_TIMEOUT=${env.SESSION_ABSOLUTE_TIMEOUT}`,
    );
  }
  return {
    ...env,
    AUTH_BROWSER: browser,
    DATA_DIR: path.resolve(env.DATA_DIR),
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
  };
}

/** For entry points: parse, or print the error line(s) and exit 1. */
export function loadEnvOrExit(): Env {
  try {
    return parseEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
