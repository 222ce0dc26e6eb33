/**
 * The whole system for one test file: a fresh database (PGlite, or a PostgreSQL schema when
 * DATABASE_URL is set) with the small test organisation, a real worker on its own task queue of the
 * run's Temporal dev server, a Temporal client and the express app.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import pino from 'pino';
import request from 'supertest';
import type { Db } from '../../db/client';
import { importOrg, loadOrgFile } from '../../db/org';
import { createApp } from '../../api/app';
import { apiAuditQueue } from '../../api/audit';
import { createTokenService, type OidcConfig, type TokenService } from '../../api/auth';
import type { LimitsConfig } from '../../api/limits';
import type { SignInConfig } from '../../api/session';
import { createWorker } from '../../worker/worker';
import { loadPolicy } from '../../config/files';
import { EMPTY_CALENDAR_OVERRIDES } from '../../domain/calendar';
import { createLiveCalendar, type LiveCalendar } from '../../domain/calendar-upkeep';
import type { Policy } from '../../domain/policy';
import { openTestDb } from './db';
import { startNotifications, type NotificationConfig, type RunningNotifications } from '../../notifications/runtime';

export const SMALL_ORG = path.join(__dirname, '..', 'fixtures', 'org-small.yaml');

export interface Stack {
  db: Db;
  client: Client;
  taskQueue: string;
  policy: Policy;
  calendar: LiveCalendar;
  app: ReturnType<typeof createApp>;
  tokens: TokenService;
  /** The notification dispatcher (e-mail only when `notifications.smtpUrl` is given). */
  notifications: RunningNotifications;
  /** supertest agent bound to the app, with a Bearer token for the person. */
  as(personId: string): {
    get(url: string): Promise<request.Response>;
    post(url: string, body?: object): Promise<request.Response>;
  };
  /** Stops the worker (as a crash or deploy would) and starts a new one on the same queue. */
  restartWorker(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * A policy with second-scale windows for every severity, so tests see timers fire quickly.
 * Values are ISO-8601 durations.
 */
export function fastPolicy(
  p: {
    ack?: string;
    rectify?: string;
    ackReminders?: string[];
    rectifyReminders?: string[];
    decide?: string;
    decideReminders?: string[];
    maxSupervise?: string;
    /** How far a leader may extend (escalation.maxExtend); unset: the rectification window. */
    maxExtend?: string;
    allowDelegates?: boolean;
  } = {},
): Policy {
  const base = loadPolicy();
  const window = (within: string, reminders: string[]) => ({ within, workingDays: false, reminders });
  const severities = Object.fromEntries(
    Object.entries(base.severities).map(([k, v]) => [
      k,
      {
        ...v,
        acknowledge: window(p.ack ?? 'PT1H', p.ackReminders ?? []),
        rectify: window(p.rectify ?? 'PT2H', p.rectifyReminders ?? []),
        escalation: {
          decideWithin: p.decide ?? 'PT1H',
          workingDays: false,
          maxSupervise: p.maxSupervise ?? 'P3D',
          ...(p.maxExtend ? { maxExtend: p.maxExtend } : {}),
          reminders: p.decideReminders ?? [],
          allowDelegates: p.allowDelegates ?? false,
        },
      },
    ]),
  ) as Policy['severities'];
  return { ...base, severities };
}

let runtimeInstalled = false;

/** Notification settings for tests: fast polling and retries, no e-mail unless a test gives SMTP_URL. */
export const TEST_NOTIFICATIONS: NotificationConfig = {
  smtpFrom: '网络安全工作责任制 <cyberduty@example.edu.cn>',
  smtpTlsRejectUnauthorized: false,
  maxAttempts: 5,
  pollMs: 200,
  leaseMs: 10000,
  sendTimeoutMs: 3000,
  backoffBaseMs: 200,
  backoffMaxMs: 2000,
  concurrency: 4,
  timeZone: 'Asia/Shanghai',
};

export async function startStack(
  opts: {
    policy?: Policy;
    orgFile?: string;
    oidc?: OidcConfig;
    notifications?: Partial<NotificationConfig>;
    limits?: LimitsConfig;
    /** Worker tuning (benchmarks: cache size, slots). */
    worker?: Partial<WorkerOptions>;
    /** Browser sign-in; by default the dev sign-in is on and no identity provider is configured. */
    signIn?: Partial<SignInConfig>;
    /** How far the notice list's `total` counts (LIST_COUNT_CAP); default 10,000. */
    listCountCap?: number;
  } = {},
): Promise<Stack> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  const codePath = process.env.TEMPORAL_TEST_BUNDLE;
  if (!address || !codePath) throw new Error('The Temporal test server is not running (jest globalSetup)');
  if (!runtimeInstalled) {
    // Quiet worker lifecycle logs in tests; warnings and errors still show.
    try {
      Runtime.install({ logger: new DefaultLogger((process.env.TEST_TEMPORAL_LOG_LEVEL as 'WARN') ?? 'WARN') });
    } catch {
      // Installed already by the process (the benchmarks install their own).
    }
    runtimeInstalled = true;
  }
  const db = await openTestDb();
  await importOrg(db, loadOrgFile(opts.orgFile ?? SMALL_ORG), { source: 'test' });
  const policy = opts.policy ?? fastPolicy();
  const taskQueue = `test-${crypto.randomBytes(6).toString('hex')}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const publicUrl = 'http://cyberduty.test';
  // As in the processes: the package's calendar plus the years entered in the database.
  const calendar = createLiveCalendar(EMPTY_CALENDAR_OVERRIDES, 'none');
  // Test files share one Temporal namespace but not a database: a distinct number prefix keeps
  // their workflow ids apart.
  const idPrefix = `T${crypto.randomBytes(4).toString('hex').toUpperCase()}`;

  let worker: Worker;
  let running: Promise<void>;
  const startWorker = async () => {
    worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      db,
      publicUrl,
      calendar,
      workflowBundle: { codePath },
      options: opts.worker,
    });
    running = worker.run();
  };
  // As in the worker process: the dispatcher beside the worker, with second-scale retries.
  const notifications = startNotifications(
    db,
    { ...TEST_NOTIFICATIONS, ...opts.notifications },
    pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  );
  await startWorker();

  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const tokens = createTokenService({ embeddedKey: crypto.randomBytes(32), oidc: opts.oidc });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const audit = apiAuditQueue(db, logger);
  const app = createApp({
    db,
    audit,
    temporal: client,
    taskQueue,
    policy,
    calendar,
    tokens,
    idPrefix,
    updateTimeoutMs: 20000,
    listCountCap: opts.listCountCap,
    // Tests poll as one person many times a minute; the limits themselves are tested in
    // test/security/hardening.test.ts with an app of their own.
    limits: opts.limits ?? { perPersonPerMinute: 1_000_000, authFailuresPer15Min: 1_000_000, corsOrigins: [] },
    logger,
    evidenceMaxBytes: 64 * 1024,
    signIn: { publicUrl, idleTimeoutSec: 1800, absoluteTimeoutSec: 8 * 3600, embedded: true, ...opts.signIn },
  });

  return {
    db,
    client,
    taskQueue,
    policy,
    calendar,
    app,
    tokens,
    notifications,
    as(personId: string) {
      const bearer = async () => `Bearer ${await tokens.sign(personId)}`;
      return {
        get: async (url: string) => request(app).get(url).set('Authorization', await bearer()),
        post: async (url: string, body?: object) =>
          request(app).post(url).set('Authorization', await bearer()).send(body ?? {}),
      };
    },
    async restartWorker() {
      worker.shutdown();
      await running;
      await startWorker();
    },
    async shutdown() {
      worker.shutdown();
      await running;
      await audit.drain();
      await notifications.stop();
      await nativeConnection.close();
      await connection.close();
      await db.close();
    },
  };
}

