/**
 * The HTTP API: express 5 (async errors reach the error handler), every body and query validated
 * with zod, JSON errors `{ error, details }`.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import express, { Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { listInbox, markInboxRead } from '../db/notices';
import type { Policy } from '../domain/policy';
import type { WorkCalendar } from '../domain/calendar';
import { ROLE_LABELS } from '../domain/org';
import { GLOSSARY } from '../domain/glossary';
import type { TokenService } from './auth';
import { authenticateRequest, NO_BROWSER_SIGNIN, type SignInConfig } from './session';
import { anonymousSessionProbe, publicSignInRoutes, sessionRoutes } from './signin-routes';
import { authFailureLimit, cors, DEFAULT_LIMITS, personLimit, type LimitsConfig } from './limits';
import type { CurrentUser } from './access';
import { errorHandler, HttpError } from './errors';
import { noticeRoutes } from './notices';
import type { RouteDeps } from './updates';
import { escalationRoutes } from './escalations';
import { proposalRoutes } from './proposals';
import type { AuditQueue } from '../db/audit';
import { apiAuditQueue, auditLoginRefusals, auditWrites } from './audit';
import { auditRoutes } from './audit-routes';
import { notificationRoutes } from './notifications';
import { orgRoutes } from './org';
import { workRoutes } from './work';

import { createStuckWatch, systemRoutes as stuckRoutes, type StuckWatch } from './stuck';
import { createMetrics } from './metrics';
import { opsRoutes } from './ops';
import { openApiRoutes } from './openapi';
import { incidentRoutes } from './incidents';
import { systemRoutes } from './systems';
import { triggerRoutes } from './triggers';
import { calendarRoutes } from './calendar';
import { statsRoutes } from './stats';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  calendar: WorkCalendar;
  tokens: TokenService;
  logger: Logger;
  evidenceMaxBytes: number;
  idPrefix?: string;
  updateTimeoutMs?: number;
  limits?: LimitsConfig;
  /** METRICS_TOKEN (api/ops.ts); without it /metrics answers loopback clients only. */
  metricsToken?: string;
  /** True while the process shuts down: /readyz answers 503 so the load balancer moves away. */
  isDraining?: () => boolean;
  /** Browser sign-in (README "Sign-in"); without it, no dev page and no identity provider. */
  signIn?: SignInConfig;
  /** The scan for stuck activities (GET /api/system/stuck); one with the defaults when absent. */
  stuck?: StuckWatch;
  /** How far the notice list's `total` counts (LIST_COUNT_CAP); beyond it, "10,000+". */
  listCountCap?: number;
  /** The queue of the API's write entries (api/audit.ts), for the process to drain when it stops; one of its own when absent. */
  audit?: AuditQueue;
}

const pageQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    helmet({
      // The web UI (web/) is served from here: own scripts and styles only, no inline code. No
      // upgrade-insecure-requests: an intranet deployment may serve plain http (TLS is the proxy's).
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Never log tokens or bodies (evidence contents, personal data).
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  // Operations: /healthz, /readyz, /metrics (api/ops.ts); the OpenAPI document and docs page.
  const stuck = deps.stuck ?? createStuckWatch({ temporal: deps.temporal, taskQueue: deps.taskQueue, logger: deps.logger });
  const metrics = createMetrics(deps.db, { stuckActivities: () => stuck.lastCount });
  app.use(metrics.middleware);
  app.use(opsRoutes({ db: deps.db, temporal: deps.temporal, metrics, metricsToken: deps.metricsToken, isDraining: deps.isDraining }));
  app.use(openApiRoutes());

  // The regulation's terms (codes with Chinese and English labels); public, like a dictionary.
  app.get('/api/glossary', (_req, res) => {
    res.json(GLOSSARY);
  });

  const api = Router();
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const signIn = { db: deps.db, cfg: deps.signIn ?? NO_BROWSER_SIGNIN, limits, logger: deps.logger };
  api.use(cors(limits));
  // Sign-in (public): methods, starting one, the provider's callbacks, the dev page.
  api.use('/auth', publicSignInRoutes(signIn));
  api.use(anonymousSessionProbe);
  const failures = authFailureLimit(limits, deps.db);
  api.use(failures.check);
  // A bearer token, or the browser's session cookie (with its CSRF token on writes).
  api.use(authenticateRequest(deps.db, deps.tokens, signIn.cfg, deps.logger));
  api.use(failures.count);
  api.use(personLimit(limits, deps.db));
  // Audit trail: refused logins (sees authenticate's 401s, passes them on) and every write.
  api.use(auditLoginRefusals(deps.db, deps.logger));
  api.use(auditWrites(deps.audit ?? apiAuditQueue(deps.db, deps.logger)));
  // A body is JSON or refused, never ignored: a route that needs no body (acknowledge, retry…)
  // must not act on a request whose body nobody could read.
  api.use((req, _res, next) => {
    const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
    if (hasBody && !req.is('application/json')) {
      throw new HttpError(415, '请求体须为 JSON（Content-Type: application/json）', 'The request body must be JSON (Content-Type: application/json)');
    }
    next();
  });
  // Small bodies everywhere; the routes that carry evidence set their own limit.
  const smallJson = express.json({ limit: '256kb' });
  api.use((req, res, next) => (/^\/(notices\/[^/]+\/rectification|incidents\/[^/]+\/closing-report|accountability-triggers)$/.test(req.path) ? next() : smallJson(req, res, next)));

  // The signed-in browser's session, and sign-out.
  api.use('/auth', sessionRoutes(signIn));

  api.get('/me', (_req, res) => {
    const u = res.locals.user as CurrentUser;
    res.json({
      ...u,
      roleLabels: [...u.university.map((r) => ROLE_LABELS[r]), ...u.units.map((x) => ({ unitId: x.unitId, ...ROLE_LABELS[x.role] }))],
    });
  });

  api.get('/me/inbox', async (req, res) => {
    const q = pageQuery.extend({ unread: z.enum(['true', 'false']).optional() }).parse(req.query);
    const u = res.locals.user as CurrentUser;
    const out = await listInbox(deps.db, u.id, { unreadOnly: q.unread === 'true', page: q.page, pageSize: q.pageSize });
    res.json({ ...out, page: q.page, pageSize: q.pageSize });
  });

  api.post('/me/inbox/:id/read', async (req, res) => {
    const id = z.coerce.number().int().positive().safeParse(req.params.id);
    const u = res.locals.user as CurrentUser;
    if (!id.success || !(await markInboxRead(deps.db, u.id, id.data))) {
      throw new HttpError(404, '找不到该消息', 'No such message');
    }
    res.status(204).end();
  });

  // The directory: units, people and their roles as at a time, a unit's role history.
  api.use(orgRoutes({ db: deps.db }));

  const routeDeps: RouteDeps = {
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    policy: deps.policy,
    calendar: deps.calendar,
    evidenceMaxBytes: deps.evidenceMaxBytes,
    idPrefix: deps.idPrefix,
    updateTimeoutMs: deps.updateTimeoutMs ?? 30000,
    listCountCap: deps.listCountCap,
  };

  api.use(
    '/notices',
    noticeRoutes(routeDeps),
  );

  api.use(
    '/escalations',
    escalationRoutes(routeDeps),
  );

  api.use(
    '/accountability-proposals',
    proposalRoutes(routeDeps),
  );

  // Incidents, the information-system register and Art. 7's triggers (issue 10).
  api.use('/incidents', incidentRoutes(routeDeps));
  api.use('/systems', systemRoutes({ db: deps.db }));
  api.use('/accountability-triggers', triggerRoutes(routeDeps));
  // Calendar upkeep and the recomputation of the deadlines it affects (issue 12).
  api.use(calendarRoutes(routeDeps));

  // Notifications: the outbox, robots, and /me/notification-preferences.
  api.use(notificationRoutes({ db: deps.db }));

  api.use('/audit', auditRoutes({ db: deps.db, logger: deps.logger }));

  // The web UI's own reads: my work.
  api.use(workRoutes({ db: deps.db }));

  api.use('/system', stuckRoutes(stuck));

  // The dashboard's figures (issue 9).
  api.use('/stats', statsRoutes({ db: deps.db }));

  api.use((_req, _res) => {
    throw new HttpError(404, '没有这个接口', 'No such endpoint');
  });

  app.use('/api', api);

  const WEB_DIST = path.join(__dirname, '..', 'web', 'dist');
  // The web UI: Vite's build (web/dist, made by `npm start` and the tests' setup when stale). Its
  // hashed assets are immutable; index.html answers the app's own paths, so deep links in messages
  // (${PUBLIC_URL}/notices/2026-0001) open the app on that notice.
  app.use('/assets', express.static(path.join(WEB_DIST, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  app.use(express.static(WEB_DIST, { index: false }));
  app.get(/^\/(?!api(?:\/|$)|assets\/)[^.]*$/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(WEB_DIST, 'index.html'), (err) => {
      if (err && !res.headersSent) {
        res.status(503).type('text/plain').send('网页界面尚未构建：请运行 npm run web:build / The web UI is not built: run npm run web:build');
      }
    });
  });

  app.use(errorHandler);
  return app;
}
