/**
 * The sign-in endpoints under /api/auth (README "Sign-in"), in two routers: the public one (what
 * sign-in methods there are, starting a sign-in, the identity provider's callbacks, the development
 * sign-in page), mounted before authentication; and the signed-in one (the current session,
 * sign-out), mounted after it. The dev routes exist only with the embedded issuer on.
 */
import crypto from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/client';
import { appendAuditTx } from '../db/audit';
import { createLoginAttempt, endSession, randomSecret, takeLoginAttempt, type IdpTokens, type LoginAttempt, type Session } from '../db/sessions';
import { findPersonByClaim, listPeople, listUnits } from '../db/org';
import { ROLE_LABELS, ROLES, type Role } from '../domain/glossary';
import type { CurrentUser } from './access';
import { user } from './http';
import { HttpError } from './errors';
import { signInLimit, type LimitsConfig } from './limits';
import {
  clearSessionCookie,
  cookieOptions,
  hasCredentials,
  LOGIN_COOKIE,
  readCookie,
  sessionView,
  startSession,
  type SignInConfig,
} from './session';
import { AuthRefused } from './auth';
import { createOidcClient, OidcError, pkcePair, type OidcClient } from './oidc-rp';
import { casLoginUrl, casLogoutUrl, CasError, isTicket, validateTicket } from './cas';

export interface SignInDeps {
  db: Db;
  cfg: SignInConfig;
  limits: LimitsConfig;
  logger: Logger;
}

export type SignInMethod = 'oidc' | 'cas' | 'dev';

export function signInMethods(cfg: SignInConfig): SignInMethod[] {
  const methods: SignInMethod[] = [];
  if (cfg.browser === 'oidc' && cfg.oidc) methods.push('oidc');
  if (cfg.browser === 'cas' && cfg.cas) methods.push('cas');
  if (cfg.embedded) methods.push('dev');
  return methods;
}

const oidcClients = new WeakMap<object, OidcClient>();

/** One client per configuration, so both routers share its discovery and JWKS caches. */
function oidcClientOf(cfg: SignInConfig): OidcClient | null {
  if (cfg.browser !== 'oidc' || !cfg.oidc) return null;
  let c = oidcClients.get(cfg.oidc);
  if (!c) oidcClients.set(cfg.oidc, (c = createOidcClient(cfg.oidc)));
  return c;
}

/** How long a sign-in may stay at the provider before its callback is refused. */
const LOGIN_TTL_SEC = 600;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
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

  const oidc = oidcClientOf(cfg);
  const loginCookie = { ...cookieOptions(cfg, '/api/auth'), maxAge: LOGIN_TTL_SEC * 1000 };

  /** A failed sign-in: audited, logged, and the person sent to the sign-in page with the code. */
  const refuse = async (req: Request, res: Response, method: 'oidc' | 'cas', reason: string, detail?: string, extra: Record<string, string> = {}) => {
    req.log?.warn({ method, reason, detail, ip: req.ip }, 'browser sign-in refused');
    await appendAuditTx(db, {
      actorId: null,
      action: 'auth.refused',
      requestId: requestId(req),
      outcome: 'refused',
      details: { reason, method, status: 302, ip: req.ip ?? null, ...extra },
    }).catch((err: unknown) => deps.logger.error({ err }, 'AUDIT APPEND FAILED: a refused sign-in is missing from the audit log'));
    res.redirect(302, signInPageWithError(reason));
  };

  /** The sign-in under way in this browser (its cookie is cleared: each is used once). */
  const takeAttempt = async (req: Request, res: Response, method: 'oidc' | 'cas'): Promise<LoginAttempt | null> => {
    const value = readCookie(req, LOGIN_COOKIE);
    res.clearCookie(LOGIN_COOKIE, cookieOptions(cfg, '/api/auth'));
    const attempt = value ? await takeLoginAttempt(db, value) : null;
    return attempt && attempt.method === method ? attempt : null;
  };

  /** Maps the provider's name for the person to a person, and signs the browser in. */
  const finish = async (
    req: Request,
    res: Response,
    method: 'oidc' | 'cas',
    who: { field: 'id' | 'staffNo' | 'email'; value: string },
    tokens: IdpTokens,
    returnTo: string,
  ) => {
    const personId = await findPersonByClaim(db, who.field, who.value);
    try {
      if (!personId) throw new AuthRefused('unknown_person');
      await startSession(db, req, res, cfg, { personId, method, tokens });
    } catch (err) {
      if (err instanceof AuthRefused) {
        await refuse(req, res, method, 'unknown_person', undefined, { claimedSubject: `${who.field}:${who.value}`.slice(0, 128) });
        return;
      }
      throw err;
    }
    res.redirect(302, returnTo);
  };

  r.get('/login', limited, async (req, res) => {
    const q = loginQuery.parse(req.query);
    const returnTo = q.returnTo === undefined ? '/' : safeReturnTo(q.returnTo, cfg.publicUrl);
    if (returnTo === null) {
      throw new HttpError(400, 'returnTo 须为本站内的相对路径（以 / 开头）', 'returnTo must be a path on this site (starting with a single /)');
    }
    if (oidc) {
      const state = randomSecret();
      const nonce = randomSecret();
      const pkce = pkcePair();
      let url: string;
      try {
        url = await oidc.authorizationUrl({ state, nonce, codeChallenge: pkce.challenge });
      } catch (err) {
        if (!(err instanceof OidcError)) throw err;
        await refuse(req, res, 'oidc', err.code, err.message);
        return;
      }
      const bind = await createLoginAttempt(db, { method: 'oidc', state, nonce, codeVerifier: pkce.verifier, returnTo }, LOGIN_TTL_SEC);
      res.cookie(LOGIN_COOKIE, bind, loginCookie);
      res.redirect(302, url);
      return;
    }
    if (cfg.browser === 'cas' && cfg.cas) {
      // CAS has no state parameter: the cookie alone binds the callback to this browser.
      const bind = await createLoginAttempt(db, { method: 'cas', state: randomSecret(), nonce: null, codeVerifier: null, returnTo }, LOGIN_TTL_SEC);
      res.cookie(LOGIN_COOKIE, bind, loginCookie);
      res.redirect(302, casLoginUrl(cfg.cas));
      return;
    }
    if (cfg.embedded) {
      // No identity provider: the web UI's sign-in page lists the demo people.
      res.redirect(302, `/signin?returnTo=${encodeURIComponent(returnTo)}`);
      return;
    }
    throw new HttpError(404, '未配置浏览器登录方式', 'No browser sign-in method is configured');
  });

  // OIDC: the authorization response (RFC 6749 §4.1.2), in the query.
  r.get('/callback', limited, async (req, res) => {
    if (!oidc || !cfg.oidc) return refuse(req, res, 'oidc', 'oidc_not_configured');
    const q = z
      .object({
        code: z.string().max(2048).optional(),
        state: z.string().max(512).optional(),
        iss: z.string().max(2048).optional(),
        error: z.string().max(256).optional(),
      })
      .safeParse(req.query);
    const attempt = await takeAttempt(req, res, 'oidc');
    if (!attempt) return refuse(req, res, 'oidc', 'login_expired');
    if (!q.success) return refuse(req, res, 'oidc', 'oidc_bad_response');
    if (!q.data.state || !sameSecret(q.data.state, attempt.state)) return refuse(req, res, 'oidc', 'state_mismatch');
    try {
      await oidc.checkResponseIssuer(q.data.iss);
      if (q.data.error) return await refuse(req, res, 'oidc', 'oidc_provider_error', undefined, { providerError: q.data.error.slice(0, 64) });
      if (!q.data.code) return await refuse(req, res, 'oidc', 'oidc_bad_response');
      const t = await oidc.redeem(q.data.code, attempt.codeVerifier ?? '', attempt.nonce ?? '');
      const claim = t.claims[cfg.oidc.subjectClaim];
      if (typeof claim !== 'string' && typeof claim !== 'number') return await refuse(req, res, 'oidc', 'oidc_no_subject');
      await finish(
        req,
        res,
        'oidc',
        { field: cfg.oidc.personMatch, value: String(claim) },
        { idToken: t.idToken, accessToken: t.accessToken, refreshToken: t.refreshToken, tokenExpiresAt: t.expiresAt, subject: String(t.claims.sub) },
        attempt.returnTo,
      );
    } catch (err) {
      if (!(err instanceof OidcError)) throw err;
      await refuse(req, res, 'oidc', err.code, err.message);
    }
  });

  // CAS 3.0: back from `/login` with a service ticket, validated at `/p3/serviceValidate`.
  r.get('/cas/callback', limited, async (req, res) => {
    if (cfg.browser !== 'cas' || !cfg.cas) return refuse(req, res, 'cas', 'cas_not_configured');
    const attempt = await takeAttempt(req, res, 'cas');
    if (!attempt) return refuse(req, res, 'cas', 'login_expired');
    const ticket = req.query.ticket;
    if (!isTicket(ticket)) return refuse(req, res, 'cas', 'cas_no_ticket');
    try {
      const ok = await validateTicket(cfg.cas, ticket);
      await finish(req, res, 'cas', { field: cfg.cas.personMatch, value: ok.subject }, { subject: ok.user }, attempt.returnTo);
    } catch (err) {
      if (!(err instanceof CasError)) throw err;
      await refuse(req, res, 'cas', err.code, err.message, err.serverCode ? { casCode: err.serverCode } : {});
    }
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
  const oidc = oidcClientOf(cfg);

  r.get('/session', (_req, res) => {
    res.json(sessionView(user(res), res.locals.session as Session | undefined, cfg));
  });

  r.post('/signout', async (req, res) => {
    const session = res.locals.session as Session | undefined;
    // A bearer token has no session to end: it lasts until it expires.
    if (!session) {
      res.json({ ok: true });
      return;
    }
    const ended = await endSession(db, session.idHash, { requestId: requestId(req), details: { ip: req.ip ?? null } });
    clearSessionCookie(res, cfg);
    // The provider's own sign-out, for the browser to visit (it ends the single sign-on there too).
    let endSessionUrl: string | undefined;
    if (ended?.method === 'oidc' && oidc) endSessionUrl = await oidc.endSessionUrl(ended.idToken);
    if (ended?.method === 'cas' && cfg.cas) endSessionUrl = casLogoutUrl(cfg.cas, cfg.publicUrl);
    res.json(endSessionUrl ? { ok: true, endSessionUrl } : { ok: true });
  });
  return r;
}


