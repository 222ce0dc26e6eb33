/**
 * Audit entries from the API (Art. 10): every write answered to an authenticated person, and every
 * refused login. The entry carries who, what (method and route pattern), on what (the notice,
 * proposal or escalation in the path, or the id of what was created), when, the request id and the
 * outcome — never a request or response body (evidence, personal data): details hold status codes,
 * ids and reason codes only.
 *
 * A write's entry is appended after its response is sent, and a failed append is logged loudly but
 * does not turn the answer into an error: the action already happened, and the record that is
 * transactional with it is the workflow's own entry (activities/*.ts append it in the same
 * transaction as the timeline row). The API entry adds who asked, from which request, and the
 * refusals that never reach a workflow.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { appendAuditTx, auditQueue, type AuditInput, type AuditQueue } from '../db/audit';
import type { CurrentUser } from './access';
import { HttpError } from './errors';
import { storableText } from '../domain/text';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The first path segment under /api → the kind of thing the route acts on. */
const TARGET_TYPES: Record<string, string> = {
  notices: 'notice',
  escalations: 'escalation',
  'accountability-proposals': 'proposal',
  me: 'inbox_message',
  audit: 'audit',
};

function requestId(req: Request): string | null {
  return typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : null;
}

/** Untrusted text (path parameters, a token's claimed subject) as the audit trail can store it. */
function clip(s: string, max = 128): string {
  return storableText(s.length > max ? s.slice(0, max) : s, 'line');
}

/**
 * Finds the route pattern that answered: express keeps `req.route` after routing, but restores
 * `baseUrl` and `params` when an error leaves a router, so the mount is recovered by matching the
 * route's pattern against the end of the path seen at the /api level. Plain patterns only
 * (`/:id/acknowledge`); anything else counts as unmatched.
 */
export function resolveRoute(relPath: string, routePath: unknown): { pattern: string; params: Record<string, string> } | null {
  if (typeof routePath !== 'string' || /[*?(){}]/.test(routePath)) return null;
  const segs = relPath.split('/').filter(Boolean);
  const pat = routePath.split('/').filter(Boolean);
  if (pat.length > segs.length) return null;
  const mount = segs.slice(0, segs.length - pat.length);
  const tail = segs.slice(segs.length - pat.length);
  const params: Record<string, string> = {};
  for (let i = 0; i < pat.length; i++) {
    let seg: string;
    try {
      seg = decodeURIComponent(tail[i]);
    } catch {
      return null;
    }
    if (pat[i].startsWith(':')) params[pat[i].slice(1)] = clip(seg);
    else if (pat[i] !== seg) return null;
  }
  return { pattern: `/${[...mount, ...pat].join('/')}`, params };
}

function outcomeOf(status: number): string {
  return status < 400 ? 'ok' : status < 500 ? 'refused' : 'error';
}

/**
 * The queue the API's write entries go through (db/audit.ts `auditQueue`: appended together while
 * an append is under way); an entry the database refuses is logged loudly. The process drains it
 * when it stops (app/system.ts).
 */
export function apiAuditQueue(db: Db, logger: Logger): AuditQueue {
  return auditQueue(db, (entry, err) => {
    logger.error(
      { err, audit: { action: entry.action, targetId: entry.targetId, actorId: entry.actorId, requestId: entry.requestId } },
      'AUDIT APPEND FAILED: an API write is missing from the audit log',
    );
  });
}

/**
 * Mount right after `authenticate` on the /api router: appends one entry per write (POST, PUT,
 * PATCH, DELETE) by an authenticated person once the response is done, through `queue`.
 */
export function auditWrites(queue: AuditQueue): RequestHandler {
  return (req, res, next) => {
    const user = res.locals.user as CurrentUser | undefined;
    if (!WRITE_METHODS.has(req.method) || !user) {
      next();
      return;
    }
    const apiBase = req.baseUrl; // "/api"
    const relPath = req.path; // "/notices/2026-0001/acknowledge"
    // The id of a created resource, from the JSON answer (only the id is kept).
    let resultId: string | undefined;
    const json = res.json.bind(res);
    res.json = (body?: unknown) => {
      const id = (body as { id?: unknown } | null | undefined)?.id;
      if (typeof id === 'string' || typeof id === 'number') resultId = clip(String(id));
      return json(body);
    };
    res.once('close', () => {
      const route = resolveRoute(relPath, (req.route as { path?: unknown } | undefined)?.path);
      const pattern = route ? `${apiBase}${route.pattern === '/' ? '' : route.pattern}` : `${apiBase} (no route)`;
      const first = (route?.pattern ?? relPath).split('/').filter(Boolean)[0] ?? '';
      const status = res.statusCode;
      const targetId = route?.params.id ?? (status < 400 ? resultId : undefined) ?? null;
      const entry: AuditInput = {
        actorId: user.id,
        action: `${req.method} ${pattern}`,
        targetType: targetId !== null ? (TARGET_TYPES[first] ?? clip(first, 64)) : null,
        targetId,
        requestId: requestId(req),
        outcome: outcomeOf(status),
        details: {
          status,
          params: route && Object.keys(route.params).length > 0 ? route.params : undefined,
          resultId: resultId !== undefined && resultId !== targetId ? resultId : undefined,
          path: route ? undefined : clip(`${apiBase}${relPath}`, 256),
          aborted: res.writableFinished ? undefined : true,
        },
      };
      queue.append(entry);
    });
    next();
  };
}

/**
 * Reason codes of refused logins. The authenticator names them (`AuthRefused.reason` in auth.ts:
 * missing_token, malformed, unknown_issuer, expired, not_yet_valid, bad_signature, bad_algorithm,
 * bad_claims, unknown_person, jwks_unavailable); a 401 without one is classified here.
 */
export type LoginRefusalReason = string;

/** Appends an `auth.refused` entry. Never throws: a failure is logged loudly. */
export async function recordLoginRefusal(
  db: Db,
  r: { reason: LoginRefusalReason; subject?: string | null; verified?: boolean; ip?: string | null; requestId?: string | null },
  logger?: Logger,
): Promise<void> {
  const subject = r.subject ? clip(r.subject, 128) : null;
  try {
    await appendAuditTx(db, {
      // Only the subject of a genuine token is the actor; a merely claimed one is a detail.
      actorId: r.verified ? subject : null,
      action: 'auth.refused',
      targetType: null,
      targetId: null,
      requestId: r.requestId ?? null,
      outcome: 'refused',
      details: { reason: r.reason, status: 401, ip: r.ip ?? null, claimedSubject: r.verified ? undefined : (subject ?? undefined) },
    });
  } catch (err) {
    logger?.error({ err, reason: r.reason, requestId: r.requestId }, 'AUDIT APPEND FAILED: a refused login is missing from the audit log');
  }
}

/**
 * Why a login was refused, and by whom. The error's own `reason` and `subject` win (the
 * authenticator knows best); otherwise: no Bearer token → missing_token; not a JWT → malformed;
 * a past `exp` → expired; "names no person" → unknown_person; anything else → invalid_token. The
 * subject counts as verified only for unknown_person (the token was genuine, the person is not in
 * the organisation); otherwise it is the unverified `sub` of the token, if any.
 */
export function loginRefusal(err: HttpError, req: Request): { reason: LoginRefusalReason; subject: string | null; verified: boolean } {
  const own = err as unknown as { reason?: unknown; subject?: unknown };
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  let claimed: string | null = null;
  let expired = false;
  let decodable = false;
  if (m) {
    try {
      const claims = decodeJwt(m[1]);
      decodable = true;
      claimed = typeof claims.sub === 'string' ? claims.sub : null;
      expired = typeof claims.exp === 'number' && claims.exp * 1000 < Date.now();
    } catch {
      decodable = false;
    }
  }
  const reason: LoginRefusalReason =
    typeof own.reason === 'string' && own.reason
      ? own.reason
      : !m
        ? 'missing_token'
        : !decodable
          ? 'malformed'
          : /no person/i.test(err.en)
            ? 'unknown_person'
            : expired || /expired/i.test(err.en)
              ? 'expired'
              : 'invalid_token';
  const verified = reason === 'unknown_person';
  const subject = typeof own.subject === 'string' && own.subject ? own.subject : claimed;
  return { reason, subject, verified };
}

/**
 * An error handler to mount right after `authenticate`: sees the 401s it throws, appends an
 * `auth.refused` entry, and passes the error on unchanged (the answer is still the 401).
 */
export function auditLoginRefusals(db: Db, logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, _res, next) => {
    if (!(err instanceof HttpError) || err.status !== 401) {
      next(err);
      return;
    }
    const r = loginRefusal(err, req);
    recordLoginRefusal(db, { ...r, ip: req.ip ?? null, requestId: requestId(req) }, logger).then(
      () => next(err),
      () => next(err),
    );
  };
}
