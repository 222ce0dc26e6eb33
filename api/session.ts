/**
 * Browser sessions: the backend-for-frontend half of sign-in (README "Sign-in"). The browser holds
 * only an opaque HttpOnly, SameSite=Lax cookie; whatever the identity provider gave stays in the
 * database (db/sessions.ts). Every /api route accepts that cookie as well as a bearer token; a
 * state-changing request authenticated by the cookie must also carry the session's synchronizer
 * token in `X-CSRF-Token` (a bearer request needs none: another site cannot make a browser send an
 * Authorization header).
 */
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { appendAuditTx } from '../db/audit';
import { createSession, findSession, hashSecret, type IdpTokens, type Session, type SessionMethod } from '../db/sessions';
import { ROLE_LABELS } from '../domain/glossary';
import { authenticate, AuthRefused, loadCurrentUser, type TokenService } from './auth';
import type { CurrentUser } from './access';
import { HttpError } from './errors';
import type { OidcClientConfig } from './oidc-rp';
import type { CasConfig } from './cas';

export const SESSION_COOKIE = 'cyd_session';
/** Binds a sign-in under way to the browser that started it (db/sessions.ts, login attempts). */
export const LOGIN_COOKIE = 'cyd_login';
export const CSRF_HEADER = 'X-CSRF-Token';

export interface SignInConfig {
  /** The address people open; https there makes the cookies Secure. */
  publicUrl: string;
  /** A session unused this long ends. */
  idleTimeoutSec: number;
  /** A session ends this long after sign-in, however much it is used. */
  absoluteTimeoutSec: number;
  /** The embedded issuer is on: the development sign-in page (`/api/auth/dev/*`) exists. */
  embedded: boolean;
  /** How browsers sign in with the university's identity provider, if at all. */
  browser?: 'oidc' | 'cas';
  oidc?: OidcClientConfig;
  cas?: CasConfig;
}

/** For apps built without a sign-in configuration (API-only tests): no dev page, no provider. */
export const NO_BROWSER_SIGNIN: SignInConfig = { publicUrl: 'http://localhost', idleTimeoutSec: 1800, absoluteTimeoutSec: 8 * 3600, embedded: false };

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() !== name) continue;
    const v = part.slice(i + 1).trim();
    // Our values are base64url; anything else is nobody's session.
    return /^[\w-]{20,100}$/.test(v) ? v : '';
  }
  return undefined;
}

export function cookieOptions(cfg: SignInConfig, path = '/') {
  return { httpOnly: true, sameSite: 'lax' as const, secure: cfg.publicUrl.startsWith('https:'), path };
}

export function setSessionCookie(res: Response, cfg: SignInConfig, value: string): void {
  res.cookie(SESSION_COOKIE, value, { ...cookieOptions(cfg), maxAge: cfg.absoluteTimeoutSec * 1000 });
}

export function clearSessionCookie(res: Response, cfg: SignInConfig): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(cfg));
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export const csrfRefused = () =>
  new HttpError(
    403,
    'CSRF 校验失败：缺少 X-CSRF-Token 请求头或与当前会话不符，请刷新页面后重试',
    'CSRF check failed: the X-CSRF-Token header is missing or does not match this session; reload the page and try again',
  );

function requestId(req: Request): string | null {
  return typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : null;
}

/** Whether the request brings any credential at all (a bearer token or a session cookie). */
export function hasCredentials(req: Request): boolean {
  return req.get('authorization') !== undefined || readCookie(req, SESSION_COOKIE) !== undefined;
}

/**
 * Authenticates a bearer token when there is an Authorization header (API clients; it wins over a
 * cookie), else the session cookie. Sets `res.locals.user`, and `res.locals.session` for a cookie.
 */
export function authenticateRequest(db: Db, tokens: TokenService, cfg: SignInConfig, logger: Logger): RequestHandler {
  const bearer = authenticate(db, tokens);
  // Idle ends move forward at most this often, so reading pages is not a write per request.
  const touchAfterSec = Math.min(60, cfg.idleTimeoutSec / 10);
  return async (req, res, next) => {
    if (req.get('authorization') !== undefined) return bearer(req, res, next);
    const value = readCookie(req, SESSION_COOKIE);
    if (value === undefined) throw new AuthRefused('missing_token');
    const found = value ? await findSession(db, value, { idleTimeoutSec: cfg.idleTimeoutSec, touchAfterSec }) : null;
    const user = found?.ok ? await loadCurrentUser(db, found.session.personId) : null;
    if (!found?.ok || !user) {
      // The cookie is useless from now on: the browser may as well forget it.
      clearSessionCookie(res, cfg);
      const reason = !found ? 'session_unknown' : found.ok ? 'unknown_person' : found.reason;
      req.log?.warn({ reason, ip: req.ip }, 'session refused');
      throw new AuthRefused(reason, found?.ok ? found.session.personId : undefined);
    }
    if (WRITE_METHODS.has(req.method) && !sameSecret(req.get(CSRF_HEADER) ?? '', found.session.csrfToken)) {
      req.log?.warn({ personId: user.id, ip: req.ip }, 'CSRF token missing or wrong');
      appendAuditTx(db, {
        actorId: user.id,
        action: 'auth.csrf_refused',
        requestId: requestId(req),
        outcome: 'refused',
        details: { status: 403, method: req.method, path: req.originalUrl.split('?')[0].slice(0, 256) },
      }).catch((err: unknown) => logger.error({ err }, 'AUDIT APPEND FAILED: a CSRF refusal is missing from the audit log'));
      throw csrfRefused();
    }
    res.locals.user = user;
    res.locals.session = found.session;
    next();
  };
}

/** A role of the signed-in person, with its labels, for the web UI. */
export interface RoleView {
  role: string;
  unitId: string | null;
  zh: string;
  en: string;
}

export function rolesOf(u: CurrentUser): RoleView[] {
  return [
    ...u.university.map((role) => ({ role, unitId: null, ...ROLE_LABELS[role] })),
    ...u.units.map((x) => ({ role: x.role, unitId: x.unitId, ...ROLE_LABELS[x.role] })),
  ];
}

/** The answer of `GET /api/auth/session` (and of a dev sign-in). */
export function sessionView(u: CurrentUser, s: Session | undefined, cfg: SignInConfig) {
  const idleEnd = s ? new Date(s.lastSeenAt.getTime() + cfg.idleTimeoutSec * 1000) : null;
  return {
    person: { id: u.id, name: u.name, locale: u.locale },
    roles: rolesOf(u),
    university: u.university,
    units: u.units,
    method: s ? s.method : ('bearer' as const),
    // A bearer request has no session, and so nothing to protect against cross-site forgery.
    csrfToken: s ? s.csrfToken : null,
    // The earlier of the idle and the absolute end.
    expiresAt: s && idleEnd ? new Date(Math.min(idleEnd.getTime(), s.expiresAt.getTime())).toISOString() : null,
    absoluteExpiresAt: s ? s.expiresAt.toISOString() : null,
  };
}

/**
 * Signs the browser in as `personId`: a new session (the one the browser had, if any, ends: no
 * fixation), the cookie, and an `auth.signin` audit entry. Refuses people unknown or inactive.
 */
export async function startSession(
  db: Db,
  req: Request,
  res: Response,
  cfg: SignInConfig,
  s: { personId: string; method: SessionMethod; tokens?: IdpTokens },
): Promise<{ user: CurrentUser; session: Session }> {
  const user = await loadCurrentUser(db, s.personId);
  if (!user) throw new AuthRefused('unknown_person', s.personId);
  const previous = readCookie(req, SESSION_COOKIE);
  const { cookieValue, session } = await createSession(db, {
    personId: user.id,
    method: s.method,
    absoluteTimeoutSec: cfg.absoluteTimeoutSec,
    tokens: s.tokens,
    previousIdHash: previous ? hashSecret(previous) : null,
    audit: { requestId: requestId(req), details: { ip: req.ip ?? null, subject: s.tokens?.subject ?? undefined } },
  });
  setSessionCookie(res, cfg, cookieValue);
  res.locals.signedIn = true;
  return { user, session };
}
