/**
 * Browser sessions and sign-ins under way (migration 020). The browser holds an opaque random value;
 * only its SHA-256 is stored, so reading this table does not let anyone sign in. Expiry is decided
 * here, on every lookup: an absolute end fixed at sign-in, and an idle end that moves with use.
 */
import crypto from 'node:crypto';
import type { Db, Queryable } from './client';
import { appendAudit, type AuditInput } from './audit';

export type SessionMethod = 'dev' | 'oidc' | 'cas';

/** What the identity provider gave at sign-in; kept on the server, never sent to the browser. */
export interface IdpTokens {
  idToken?: string | null;
  accessToken?: string | null;
  refreshToken?: string | null;
  tokenExpiresAt?: Date | null;
  /** The provider's name for the person (OIDC `sub`, CAS user). */
  subject?: string | null;
}

export interface Session {
  idHash: string;
  personId: string;
  method: SessionMethod;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end. */
  expiresAt: Date;
  idToken: string | null;
}

interface SessionRow {
  id_hash: string;
  person_id: string;
  method: SessionMethod;
  csrf_token: string;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
  id_token: string | null;
  ended_at: Date | string | null;
}

const COLUMNS = 'id_hash, person_id, method, csrf_token, created_at, last_seen_at, expires_at, id_token, ended_at';

export function hashSecret(value: string): string {
  return crypto.createHash('sha256').update(value, 'utf8').digest('hex');
}

export const randomSecret = (): string => crypto.randomBytes(32).toString('base64url');

function toSession(r: SessionRow): Session {
  return {
    idHash: r.id_hash,
    personId: r.person_id,
    method: r.method,
    csrfToken: r.csrf_token,
    createdAt: new Date(r.created_at),
    lastSeenAt: new Date(r.last_seen_at),
    expiresAt: new Date(r.expires_at),
    idToken: r.id_token,
  };
}

/**
 * Starts a session with a fresh random id (never one the browser brought: no fixation), ending the
 * browser's previous session if it had one, and records the sign-in in the audit trail, all in one
 * transaction. Returns the cookie value and the session.
 */
export async function createSession(
  db: Db,
  s: {
    personId: string;
    method: SessionMethod;
    absoluteTimeoutSec: number;
    tokens?: IdpTokens;
    /** The hash of the session the browser had before, ended as `rotated`. */
    previousIdHash?: string | null;
    audit: Omit<AuditInput, 'actorId' | 'action' | 'targetType' | 'targetId'>;
    now?: Date;
  },
): Promise<{ cookieValue: string; session: Session }> {
  const now = s.now ?? new Date();
  const cookieValue = randomSecret();
  const csrfToken = randomSecret();
  const t = s.tokens ?? {};
  const session = await db.tx(async (q) => {
    // Sessions a week past their absolute end are of no use to anyone (the audit trail keeps the
    // sign-ins and sign-outs): they go as new ones come, with the tokens they still held.
    await q.query('DELETE FROM auth_sessions WHERE expires_at < $1', [new Date(now.getTime() - 7 * 86400 * 1000)]);
    if (s.previousIdHash) await endSessionQ(q, s.previousIdHash, 'rotated', now);
    const row = (
      await q.query<SessionRow>(
        `INSERT INTO auth_sessions (id_hash, person_id, method, csrf_token, created_at, last_seen_at, expires_at,
                                    id_token, access_token, refresh_token, token_expires_at, idp_subject)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
        [
          hashSecret(cookieValue),
          s.personId,
          s.method,
          csrfToken,
          now,
          new Date(now.getTime() + s.absoluteTimeoutSec * 1000),
          t.idToken ?? null,
          t.accessToken ?? null,
          t.refreshToken ?? null,
          t.tokenExpiresAt ?? null,
          t.subject ?? null,
        ],
      )
    ).rows[0];
    await appendAudit(q, {
      ...s.audit,
      actorId: s.personId,
      action: 'auth.signin',
      targetType: 'session',
      // A reference to the session that cannot be turned back into the cookie.
      targetId: hashSecret(cookieValue).slice(0, 16),
      details: { ...s.audit.details, method: s.method },
    });
    return toSession(row);
  });
  return { cookieValue, session };
}

export type SessionLookup =
  | { ok: true; session: Session }
  | { ok: false; reason: 'session_unknown' | 'session_ended' | 'session_expired' | 'session_idle' };

/**
 * The live session a cookie value names. Ends it (once) when it is past its absolute or idle end;
 * moves the idle end forward when the last recorded use is older than `touchAfterSec`.
 */
export async function findSession(
  db: Db,
  cookieValue: string,
  opts: { idleTimeoutSec: number; touchAfterSec: number; now?: Date },
): Promise<SessionLookup> {
  const now = opts.now ?? new Date();
  const idHash = hashSecret(cookieValue);
  const r = (await db.query<SessionRow>(`SELECT ${COLUMNS} FROM auth_sessions WHERE id_hash = $1`, [idHash])).rows[0];
  if (!r) return { ok: false, reason: 'session_unknown' };
  if (r.ended_at !== null) return { ok: false, reason: 'session_ended' };
  const s = toSession(r);
  if (now >= s.expiresAt) {
    await endSessionQ(db, idHash, 'expired', now);
    return { ok: false, reason: 'session_expired' };
  }
  if (now.getTime() >= s.lastSeenAt.getTime() + opts.idleTimeoutSec * 1000) {
    await endSessionQ(db, idHash, 'idle', now);
    return { ok: false, reason: 'session_idle' };
  }
  if (now.getTime() - s.lastSeenAt.getTime() >= opts.touchAfterSec * 1000) {
    await db.query('UPDATE auth_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND ended_at IS NULL', [idHash, now]);
    s.lastSeenAt = now;
  }
  return { ok: true, session: s };
}

async function endSessionQ(q: Queryable, idHash: string, reason: string, now: Date): Promise<SessionRow | null> {
  const r = await q.query<SessionRow>(
    `UPDATE auth_sessions SET ended_at = $2, ended_reason = $3,
            access_token = NULL, refresh_token = NULL
      WHERE id_hash = $1 AND ended_at IS NULL RETURNING ${COLUMNS}`,
    [idHash, now, reason],
  );
  return r.rows[0] ?? null;
}

/**
 * Ends a session (sign-out) and records it in the audit trail. Returns the ended session (with its
 * ID token, for the provider's end-session request), or null when it had already ended.
 */
export async function endSession(
  db: Db,
  idHash: string,
  audit: Omit<AuditInput, 'action' | 'targetType' | 'targetId'>,
  now: Date = new Date(),
): Promise<Session | null> {
  return db.tx(async (q) => {
    const row = await endSessionQ(q, idHash, 'signed_out', now);
    if (!row) return null;
    await appendAudit(q, {
      ...audit,
      actorId: row.person_id,
      action: 'auth.signout',
      targetType: 'session',
      targetId: idHash.slice(0, 16),
      details: { ...audit.details, method: row.method },
    });
    return toSession(row);
  });
}

// ---- Sign-ins under way ----

export interface LoginAttempt {
  method: 'oidc' | 'cas';
  state: string;
  nonce: string | null;
  codeVerifier: string | null;
  returnTo: string;
}

/** Records a sign-in under way; returns the cookie value that binds it to this browser. */
export async function createLoginAttempt(db: Db, a: LoginAttempt, ttlSec: number, now: Date = new Date()): Promise<string> {
  const cookieValue = randomSecret();
  // Abandoned attempts go as new ones come (an index range scan; nothing else reads them).
  await db.query('DELETE FROM auth_login_attempts WHERE expires_at < $1', [now]);
  await db.query(
    `INSERT INTO auth_login_attempts (id_hash, method, state, nonce, code_verifier, return_to, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [hashSecret(cookieValue), a.method, a.state, a.nonce, a.codeVerifier, a.returnTo, now, new Date(now.getTime() + ttlSec * 1000)],
  );
  return cookieValue;
}

/** Takes (and deletes: each is used once) the live sign-in under way this browser's cookie names. */
export async function takeLoginAttempt(db: Db, cookieValue: string, now: Date = new Date()): Promise<LoginAttempt | null> {
  const r = await db.query<{ method: 'oidc' | 'cas'; state: string; nonce: string | null; code_verifier: string | null; return_to: string; expires_at: Date | string }>(
    'DELETE FROM auth_login_attempts WHERE id_hash = $1 RETURNING method, state, nonce, code_verifier, return_to, expires_at',
    [hashSecret(cookieValue)],
  );
  const row = r.rows[0];
  if (!row || new Date(row.expires_at) <= now) return null;
  return { method: row.method, state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to };
}
