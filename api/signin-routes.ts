/**
 * The sign-in endpoints under /api/auth (README "Sign-in"), in two routers: the public one (what
 * sign-in methods there are, starting a sign-in, the identity provider's callbacks, the development
 * sign-in page), mounted before authentication; and the signed-in one (the current session,
 * sign-out), mounted after it. The dev routes exist only with the embedded issuer on.
 */
import express, { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/client';
import { endSession, type Session } from '../db/sessions';
import { listPeople, listUnits } from '../db/org';
import { ROLE_LABELS, ROLES, type Role } from '../domain/glossary';
import type { CurrentUser } from './access';
import { HttpError } from './errors';
import { signInLimit, type LimitsConfig } from './limits';
import { clearSessionCookie, hasCredentials, sessionView, startSession, type SignInConfig } from './session';
import { AuthRefused } from './auth';

export interface SignInDeps {
  db: Db;
  cfg: SignInConfig;
  limits: LimitsConfig;
  logger: Logger;
}

export type SignInMethod = 'oidc' | 'cas' | 'dev';

export function signInMethods(cfg: SignInConfig): SignInMethod[] {
  return cfg.embedded ? ['dev'] : [];
}

/**
 * A place in this application to go back to after sign-in: a path on this origin, nothing that a
 * browser could read as another host (`//evil`, `/\evil`, `https:`), no control characters.
 * Null when it is anything else.
 */
export function safeReturnTo(value: unknown, publicUrl: string): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f) return null;
  }
  let url: URL;
  try {
    url = new URL(value, publicUrl);
  } catch {
    return null;
  }
  if (url.origin !== new URL(publicUrl).origin) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

const loginQuery = z.strictObject({ returnTo: z.string().max(2048).optional() });

/** Where the callbacks send the browser when a sign-in fails: the sign-in page, with a code. */
export function signInPageWithError(code: string): string {
  return `/signin?error=${encodeURIComponent(code)}`;
}

function requestId(req: Request): string | null {
  return typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : null;
}

/** Answers a JSON body or refuses it (the public router sits before the API's body parsing). */
const jsonBody: RequestHandler[] = [
  (req, _res, next) => {
    if (!req.is('application/json')) {
      throw new HttpError(415, '请求体须为 JSON（Content-Type: application/json）', 'The request body must be JSON (Content-Type: application/json)');
    }
    next();
  },
  express.json({ limit: '4kb' }),
];

export function publicSignInRoutes(deps: SignInDeps): Router {
  const { db, cfg } = deps;
  const r = Router();
  // Sign-ins are counted per client address, successful or not (starting one writes a row).
  const limited = signInLimit(deps.limits);

  r.get('/config', (_req, res) => {
    res.json({ methods: signInMethods(cfg), signInUrl: '/api/auth/login' });
  });

  r.get('/login', limited, (req, res) => {
    const q = loginQuery.parse(req.query);
    const returnTo = q.returnTo === undefined ? '/' : safeReturnTo(q.returnTo, cfg.publicUrl);
    if (returnTo === null) {
      throw new HttpError(400, 'returnTo 须为本站内的相对路径（以 / 开头）', 'returnTo must be a path on this site (starting with a single /)');
    }
    if (cfg.embedded) {
      // No identity provider: the web UI's sign-in page lists the demo people.
      res.redirect(302, `/signin?returnTo=${encodeURIComponent(returnTo)}`);
      return;
    }
    throw new HttpError(404, '未配置浏览器登录方式', 'No browser sign-in method is configured');
  });

  if (cfg.embedded) {
    r.get('/dev/people', async (_req, res) => {
      const [people, units] = await Promise.all([listPeople(db), listUnits(db)]);
      const unitName = new Map(units.map((u) => [u.id, u.name]));
      const groups = new Map<Role | null, Array<{ id: string; name: string; unitId: string | null; unitName: string | null }>>();
      for (const p of people) {
        if (!p.active) continue;
        const roles = p.roles.length > 0 ? p.roles : [{ role: null, unitId: null }];
        for (const x of roles) {
          const list = groups.get(x.role) ?? [];
          list.push({ id: p.id, name: p.name, unitId: x.unitId, unitName: x.unitId ? (unitName.get(x.unitId) ?? null) : null });
          groups.set(x.role, list);
        }
      }
      const order = [...ROLES, null] as const;
      res.json({
        groups: order
          .filter((role) => groups.has(role))
          .map((role) => ({
            role,
            ...(role ? ROLE_LABELS[role] : { zh: '无角色', en: 'No role' }),
            people: groups.get(role)!,
          })),
      });
    });

    r.post('/dev/signin', limited, ...jsonBody, async (req, res) => {
      const body = z.strictObject({ personId: z.string().regex(/^[\w.:@-]{1,64}$/) }).parse(req.body);
      let signedIn: { user: CurrentUser; session: Session };
      try {
        signedIn = await startSession(db, req, res, cfg, { personId: body.personId, method: 'dev' });
      } catch (err) {
        if (err instanceof AuthRefused) throw new HttpError(404, '没有这个人员（或已停用）', 'No such person (or no longer active)');
        throw err;
      }
      res.json({ ok: true, ...sessionView(signedIn.user, signedIn.session, cfg) });
    });
  } else {
    // Off: not there at all, for anyone (a middleware, not a route: the registry lists no such entry).
    r.use('/dev', () => {
      throw new HttpError(404, '没有这个接口', 'No such endpoint');
    });
  }
  return r;
}

/**
 * Before authentication: "am I signed in?" without any credential is answered 401 here, so that
 * opening the web UI signed out is neither a refused login in the audit trail nor a failure that
 * counts towards the address's limit. With a credential, authentication decides as everywhere.
 */
export const anonymousSessionProbe: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' && req.path === '/auth/session' && !hasCredentials(req)) {
    res.status(401).json({ error: '未登录 / Not signed in', details: null });
    return;
  }
  next();
};

export function sessionRoutes(deps: SignInDeps): Router {
  const { db, cfg } = deps;
  const r = Router();

  r.get('/session', (_req, res) => {
    res.json(sessionView(res.locals.user as CurrentUser, res.locals.session as Session | undefined, cfg));
  });

  r.post('/signout', async (req, res) => {
    const session = res.locals.session as Session | undefined;
    // A bearer token has no session to end: it lasts until it expires.
    if (!session) {
      res.json({ ok: true });
      return;
    }
    await endSession(db, session.idHash, { requestId: requestId(req), details: { ip: req.ip ?? null } });
    clearSessionCookie(res, cfg);
    res.json({ ok: true });
  });
  return r;
}


