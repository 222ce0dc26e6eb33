/**
 * The pieces every entry point assembles: database (migrated, organisation loaded), Temporal
 * connections, worker, API. `npm start` runs them all in one process beside a Temporal dev server;
 * `npm run worker` and `npm run api` run one each against an existing cluster.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import pino, { type Logger } from 'pino';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { openDb, type Db } from '../db/client';
import { migrate } from '../db/migrate';
import { importOrg, isOrgEmpty, loadOrgFile } from '../db/org';
import { loadCalendarOverrides, loadPolicy, projectFile } from '../config/files';
import { createPrcCalendar, type WorkCalendar } from '../domain/calendar';
import type { Policy } from '../domain/policy';
import type { Env } from '../config/env';
import { signInConfig } from './signin';
import { createApp } from '../api/app';
import { createStuckWatch } from '../api/stuck';
import { createTokenService, loadOrCreateSigningKey, type OidcConfig } from '../api/auth';
import { createWorker } from '../worker/worker';
import { waitForNamespace } from '../worker/temporal';
import { notificationConfigFromEnv, startNotifications } from '../notifications/runtime';
import { setNotificationSettings } from '../notifications/settings';

export const DEMO_ORG_FILE = projectFile('config/demo-org.yaml');

export function createLogger(env: Pick<Env, 'LOG_LEVEL'>): Logger {
  return pino({ level: env.LOG_LEVEL, base: { app: 'cyberduty' } });
}

export async function openDatabase(env: Env, log: Logger): Promise<Db> {
  const db = await openDb(
    env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { pgliteDir: path.join(env.DATA_DIR, 'pglite') },
  );
  const applied = await migrate(db);
  log.info({ database: db.describe, migrationsApplied: applied }, 'database ready');
  return db;
}

/**
 * Loads ORG_FILE when set (a changed file closes old assignments and opens new ones); on an empty
 * database without ORG_FILE, loads the demo organisation.
 */
export async function loadOrganisation(db: Db, env: Env, log: Logger, opts: { demoWhenEmpty: boolean }): Promise<void> {
  const file = env.ORG_FILE ?? (opts.demoWhenEmpty && (await isOrgEmpty(db)) ? DEMO_ORG_FILE : undefined);
  if (!file) return;
  const summary = await importOrg(db, loadOrgFile(file), { source: path.basename(file) });
  log.info({ file, summary }, summary.unchanged ? 'organisation unchanged' : 'organisation imported');
}

export interface Rules {
  policy: Policy;
  calendar: WorkCalendar;
}

export function loadRules(env: Env, log: Logger): Rules {
  const policy = loadPolicy(env.POLICY_FILE);
  const calendar = createPrcCalendar(loadCalendarOverrides(env.CALENDAR_FILE));
  const nextYear = new Date().getUTCFullYear() + 1;
  if (!calendar.covers(nextYear)) {
    log.warn(
      `工作日历尚未收录 ${nextYear} 年的法定节假日：跨入该年的工作日期限将按周一至周五计算并在说明中提示。` +
        ` / The ${nextYear} holiday schedule is not loaded: working-day deadlines reaching into it count Mon–Fri and say so. Add it to CALENDAR_FILE.`,
    );
  }
  log.info({ calendar: calendar.describe() }, 'policy and calendar loaded');
  return { policy, calendar };
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function runWorker(env: Env, db: Db, rules: Rules, log: Logger): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db,
    publicUrl: env.PUBLIC_URL,
    calendar: rules.calendar,
  });
  // The notification dispatcher runs beside the worker (notifications/dispatcher.ts).
  const notifications = startNotifications(db, notificationConfigFromEnv(env), log.child({ component: 'notifications' }));
  const running = worker.run();
  running.catch((err: unknown) => log.error({ err }, 'worker stopped with an error'));
  log.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, namespace: env.TEMPORAL_NAMESPACE }, 'worker running');
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await notifications.stop();
      await connection.close();
    },
  };
}

export function oidcConfig(env: Env): OidcConfig | undefined {
  if (!env.OIDC_ISSUER || !env.OIDC_AUDIENCE || !env.OIDC_JWKS_URL) return undefined;
  return {
    issuer: env.OIDC_ISSUER,
    audience: env.OIDC_AUDIENCE,
    jwksUrl: env.OIDC_JWKS_URL,
    subjectClaim: env.OIDC_SUBJECT_CLAIM,
    personMatch: env.OIDC_PERSON_MATCH,
    algorithms: env.OIDC_ALGORITHMS,
    clockToleranceSec: env.OIDC_CLOCK_SKEW_SECONDS,
  };
}

export interface RunningApi {
  server: Server;
  client: Client;
  stop(): Promise<void>;
}

export async function runApi(env: Env, db: Db, rules: Rules, log: Logger): Promise<RunningApi> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  // What the preferences endpoints show as available (e-mail on or off) in an API-only process too.
  setNotificationSettings({ emailEnabled: !!env.SMTP_URL, timeZone: env.NOTIFY_TIME_ZONE });
  fs.mkdirSync(env.DATA_DIR, { recursive: true });
  const tokens = createTokenService({
    embeddedKey: env.AUTH_EMBEDDED ? loadOrCreateSigningKey(env.DATA_DIR) : undefined,
    embeddedTtl: env.TOKEN_TTL,
    oidc: oidcConfig(env),
  });
  // Stuck activities are scanned for (and logged once) in the background as well as on request.
  const stuck = createStuckWatch({
    temporal: client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    logger: log,
    config: { threshold: env.STUCK_ACTIVITY_FAILURES, maxScan: env.STUCK_SCAN_MAX },
  });
  stuck.start(env.STUCK_SCAN_INTERVAL_MS);
  const app = createApp({
    db,
    temporal: client,
    stuck,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    policy: rules.policy,
    calendar: rules.calendar,
    tokens,
    logger: log,
    evidenceMaxBytes: env.EVIDENCE_MAX_BYTES,
    idPrefix: env.ID_PREFIX,
    updateTimeoutMs: env.UPDATE_TIMEOUT_MS,
    limits: {
      perPersonPerMinute: env.RATE_LIMIT_PER_MINUTE,
      authFailuresPer15Min: env.AUTH_FAILURES_PER_15_MIN,
      corsOrigins: env.CORS_ORIGINS,
    },
    signIn: signInConfig(env),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(env.PORT, env.HOST, () => resolve(s));
    s.once('error', reject);
  });
  log.info({ url: `http://${env.HOST}:${env.PORT}` }, 'API listening');
  return {
    server,
    client,
    async stop() {
      stuck.stop();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await connection.close();
    },
  };
}

export async function waitForTemporal(env: Env, log: Logger): Promise<void> {
  log.info({ address: env.TEMPORAL_ADDRESS }, 'waiting for Temporal');
  await waitForNamespace(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE, 120000);
}

/** Routes the Temporal core's logs through our logger at warn level and above. */
export function installTemporalRuntime(log: Logger): void {
  Runtime.install({
    logger: {
      log: (level, message, meta) => log[level === 'ERROR' ? 'error' : 'warn']({ ...meta }, message),
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message, meta) => log.warn({ ...meta }, message),
      error: (message, meta) => log.error({ ...meta }, message),
    },
  });
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second Ctrl-C exits at once. */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      log.warn('forced exit');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, '正在停止… / stopping…');
    stop()
      .then(() => {
        log.info('已停止 / stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
