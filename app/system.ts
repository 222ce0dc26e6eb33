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
import { NativeConnection, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import { openDb, type Db } from '../db/client';
import { migrate } from '../db/migrate';
import { importOrg, isOrgEmpty, loadOrgFile } from '../db/org';
import { loadCalendarOverrides, loadPolicy, projectFile } from '../config/files';
import { DEFAULT_CALENDAR_OVERRIDES_PATH, type WorkCalendar } from '../domain/calendar';
import { createLiveCalendar } from '../domain/calendar-upkeep';
import { refreshCalendar, watchCalendar } from '../db/calendar';
import { warnOfficeOfCalendar } from '../notifications/calendar-warning';
import { isLiveCalendar } from '../api/calendar';
import type { Policy } from '../domain/policy';
import type { Env } from '../config/env';
import { signInConfig } from './signin';
import { createApp } from '../api/app';
import { apiAuditQueue } from '../api/audit';
import { createStuckWatch } from '../api/stuck';
import { createTokenService, loadOrCreateSigningKey, type OidcConfig } from '../api/auth';
import { createWorker } from '../worker/worker';
import { waitForNamespace } from '../worker/temporal';
import { notificationConfigFromEnv, startNotifications } from '../notifications/runtime';
import { setNotificationSettings } from '../notifications/settings';
import { temporalConnectionOptions } from './temporal-connection';

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
  // The package and CALENDAR_FILE; the years the office entered are loaded from the database by
  // the API and the worker (attachCalendar) and reloaded when they change.
  const calendar = createLiveCalendar(loadCalendarOverrides(env.CALENDAR_FILE), path.basename(env.CALENDAR_FILE ?? DEFAULT_CALENDAR_OVERRIDES_PATH));
  log.info({ calendar: calendar.describe() }, 'policy and calendar loaded');
  return { policy, calendar };
}

/** Loads the years entered in the database, keeps watching for changes, and says when next year is missing. */
async function attachCalendar(db: Db, calendar: WorkCalendar, log: Logger): Promise<{ stop(): void }> {
  if (!isLiveCalendar(calendar)) return { stop: () => undefined };
  await refreshCalendar(db, calendar);
  const nextYear = new Date().getUTCFullYear() + 1;
  if (!calendar.covers(nextYear)) {
    log.warn(
      `工作日历尚未收录 ${nextYear} 年的法定节假日：跨入该年的工作日期限将按周一至周五计算并在说明中提示。` +
        ` / The ${nextYear} holiday schedule is not loaded: working-day deadlines reaching into it count Mon–Fri and say so. Enter it (PUT /api/calendar/years/${nextYear}) or add it to CALENDAR_FILE.`,
    );
  }
  return watchCalendar(db, calendar, 60_000, (err) => log.error({ err }, 'calendar reload failed'));
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** WORKER_MAX_* as worker options; what is unset keeps the SDK's default. */
export function workerTuning(env: Pick<Env, 'WORKER_MAX_CACHED_WORKFLOWS' | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS' | 'WORKER_MAX_CONCURRENT_ACTIVITIES'>): Partial<WorkerOptions> {
  return {
    ...(env.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    ...(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS !== undefined ? { maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS } : {}),
    ...(env.WORKER_MAX_CONCURRENT_ACTIVITIES !== undefined ? { maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES } : {}),
  };
}

export async function runWorker(env: Env, db: Db, rules: Rules, log: Logger): Promise<RunningWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(env));
  const worker = await createWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    db,
    publicUrl: env.PUBLIC_URL,
    calendar: rules.calendar,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    options: workerTuning(env),
    ...(env.WORKFLOW_BUNDLE ? { workflowBundle: { codePath: path.resolve(env.WORKFLOW_BUNDLE) } } : {}),
  });
  // The notification dispatcher runs beside the worker (notifications/dispatcher.ts).
  const notifications = startNotifications(db, notificationConfigFromEnv(env), log.child({ component: 'notifications' }));
  const calendarWatch = await attachCalendar(db, rules.calendar, log);
  // From 1 November until next year is covered: the office's inbox says so (once a year; checked hourly).
  const warn = () =>
    isLiveCalendar(rules.calendar)
      ? warnOfficeOfCalendar(db, rules.calendar, env.PUBLIC_URL).catch((err: unknown) => log.error({ err }, 'calendar warning failed'))
      : undefined;
  void warn();
  const warnTimer = setInterval(() => void warn(), 3_600_000);
  warnTimer.unref();
  const running = worker.run();
  running.catch((err: unknown) => log.error({ err }, 'worker stopped with an error'));
  log.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, namespace: env.TEMPORAL_NAMESPACE, tuning: workerTuning(env) }, 'worker running');
  return {
    worker,
    // Drain: stop polling, let activities in flight finish (SHUTDOWN_GRACE_MS, then they are
    // cancelled and retried by the next worker), then let the dispatcher finish its sends and give
    // back the rows it claimed but did not send.
    async stop() {
      clearInterval(warnTimer);
      calendarWatch.stop();
      log.info('worker draining');
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await notifications.stop();
      await connection.close();
      log.info('worker stopped');
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
  const connection = await Connection.connect(temporalConnectionOptions(env));
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const calendarWatch = await attachCalendar(db, rules.calendar, log);
  let draining = false;
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
  const audit = apiAuditQueue(db, log);
  const app = createApp({
    db,
    audit,
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
    listCountCap: env.LIST_COUNT_CAP,
    limits: {
      perPersonPerMinute: env.RATE_LIMIT_PER_MINUTE,
      authFailuresPer15Min: env.AUTH_FAILURES_PER_15_MIN,
      corsOrigins: env.CORS_ORIGINS,
    },
    metricsToken: env.METRICS_TOKEN,
    isDraining: () => draining,
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
    // Graceful: /readyz turns 503 at once; no new connections; requests in flight finish (idle
    // keep-alive connections are closed now, busy ones after their answer); whatever is still open
    // after SHUTDOWN_GRACE_MS is cut.
    async stop() {
      calendarWatch.stop();
      stuck.stop();
      draining = true;
      log.info('API draining');
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<'cut'>((r) => (timer = setTimeout(() => r('cut'), env.SHUTDOWN_GRACE_MS)));
      if ((await Promise.race([closed, cut])) === 'cut') {
        log.warn({ graceMs: env.SHUTDOWN_GRACE_MS }, 'requests still open after the grace period: closing them');
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      // The write entries of the last answers, before the database is closed.
      await audit.drain();
      await connection.close();
      log.info('API stopped');
    },
  };
}

export async function waitForTemporal(env: Env, log: Logger): Promise<void> {
  log.info({ address: env.TEMPORAL_ADDRESS }, 'waiting for Temporal');
  const { address: _a, ...options } = temporalConnectionOptions(env);
  await waitForNamespace(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE, 120000, options);
}

/**
 * The Temporal runtime of this process: the SDK's and core's logs go through our logger (JSON,
 * with the workflow and activity ids the SDK attaches: workflowId, runId, activityId…), at
 * LOG_LEVEL; with TEMPORAL_METRICS_ADDRESS, the runtime's own Prometheus exporter (workflow and
 * activity task latencies, slots, polls, sticky cache) listens there. Once per process.
 */
export function installTemporalRuntime(log: Logger, env?: Pick<Env, 'TEMPORAL_METRICS_ADDRESS'>): void {
  const at = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) => log[level]({ ...meta }, message);
  Runtime.install({
    logger: {
      log: (level, message, meta) => at(level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : level === 'INFO' ? 'info' : level === 'DEBUG' ? 'debug' : 'trace')(message, meta),
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    },
    ...(env?.TEMPORAL_METRICS_ADDRESS
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: env.TEMPORAL_METRICS_ADDRESS, countersTotalSuffix: true, unitSuffix: true } } } }
      : {}),
  });
  if (env?.TEMPORAL_METRICS_ADDRESS) log.info({ address: env.TEMPORAL_METRICS_ADDRESS }, 'Temporal SDK metrics (Prometheus) exported');
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
