/**
 * Sign-on. Two kinds of bearer token, told apart by their issuer:
 * - the university's identity provider (OpenID Connect / JWT): verified against its JWKS with the
 *   issuer, audience and algorithms pinned by configuration and a bounded clock skew; a configured
 *   claim (e.g. the staff number) names the person;
 * - the embedded issuer (HS256, key under DATA_DIR) for development, demos and tests:
 *   `npm run -s token -- <personId>`; it can be switched off in production (AUTH_EMBEDDED=false).
 * Browsers sign in differently (api/session.ts): a session cookie, checked there, with these tokens
 * never reaching the browser.
 * Roles never come from a token: they are looked up in the organisation on every request. A refused
 * token is a 401 whose body says only that; the reason goes to the log and the audit trail.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  SignJWT,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { RequestHandler } from 'express';
import type { Db } from '../db/client';
import { findPersonByClaim, getPersonRoles } from '../db/org';
import { HttpError } from './errors';
import type { CurrentUser } from './access';

export const EMBEDDED_ISSUER = 'cyberduty-embedded';
const EMBEDDED_AUDIENCE = 'cyberduty';

/** Why a token was refused: for logs and the audit trail, never for the response body. */
export type RefusalReason =
  | 'missing_token'
  | 'malformed'
  | 'unknown_issuer'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'bad_algorithm'
  | 'bad_claims'
  | 'unknown_person'
  | 'jwks_unavailable'
  // Browser sessions (api/session.ts): the cookie names no session, or one that has ended.
  | 'session_unknown'
  | 'session_ended'
  | 'session_expired'
  | 'session_idle';

export class AuthRefused extends HttpError {
  constructor(
    readonly reason: RefusalReason,
    readonly subject?: string,
  ) {
    const session = reason.startsWith('session_');
    super(
      401,
      reason === 'missing_token' ? '请先登录（缺少登录会话或 Bearer 令牌）' : session ? '登录已失效，请重新登录' : '身份令牌无效或已过期，请重新登录',
      reason === 'missing_token'
        ? 'Sign in first (no session cookie or Bearer token)'
        : session
          ? 'Your session has ended or expired; sign in again'
          : 'The token is not valid or has expired; sign in again',
    );
  }
}

export function loadOrCreateSigningKey(dataDir: string): Uint8Array {
  const file = path.join(dataDir, 'keys', 'token-signing.key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    // Another process created it first: use theirs.
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  }
}

export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** The claim that names the person (e.g. `sub`, `staff_no`, `email`). */
  subjectClaim: string;
  /** Which field of a person that claim matches. */
  personMatch: 'id' | 'staffNo' | 'email';
  /** Accepted signature algorithms; `none` and HMAC are never accepted from the provider. */
  algorithms: string[];
  clockToleranceSec: number;
}

/** Who a verified token names: a person id, or a claim to look up. */
type Identity = { personId: string } | { claim: { field: OidcConfig['personMatch']; value: string } };

export interface TokenService {
  /** Signs an embedded token (development, demos, tests). */
  sign(personId: string, ttl?: string): Promise<string>;
  /** Verifies a token of either kind; throws AuthRefused. */
  verify(token: string): Promise<Identity>;
}

function refusalOf(err: unknown): RefusalReason {
  if (err instanceof AuthRefused) return err.reason;
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return err.claim === 'nbf' ? 'not_yet_valid' : 'bad_claims';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) return 'bad_algorithm';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'bad_signature';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return 'jwks_unavailable';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed';
  return 'malformed';
}

export function createTokenService(opts: {
  embeddedKey?: Uint8Array;
  embeddedTtl?: string;
  oidc?: OidcConfig;
}): TokenService {
  const jwks = opts.oidc ? createRemoteJWKSet(new URL(opts.oidc.jwksUrl), { timeoutDuration: 5000 }) : undefined;

  async function verifyEmbedded(token: string): Promise<Identity> {
    if (!opts.embeddedKey) throw new AuthRefused('unknown_issuer');
    const { payload } = await jwtVerify(token, opts.embeddedKey, {
      issuer: EMBEDDED_ISSUER,
      audience: EMBEDDED_AUDIENCE,
      algorithms: ['HS256'],
      clockTolerance: 30,
      requiredClaims: ['sub', 'exp'],
    });
    return { personId: payload.sub! };
  }

  async function verifyOidc(token: string, oidc: OidcConfig): Promise<Identity> {
    const { payload } = await jwtVerify(token, jwks!, {
      issuer: oidc.issuer,
      audience: oidc.audience,
      algorithms: oidc.algorithms,
      clockTolerance: oidc.clockToleranceSec,
      requiredClaims: ['exp', oidc.subjectClaim],
    });
    const value = (payload as JWTPayload & Record<string, unknown>)[oidc.subjectClaim];
    if (typeof value !== 'string' && typeof value !== 'number') throw new AuthRefused('bad_claims');
    return { claim: { field: oidc.personMatch, value: String(value) } };
  }

  return {
    async sign(personId, ttl = opts.embeddedTtl ?? '8h') {
      if (!opts.embeddedKey) throw new Error('The embedded token issuer is switched off (AUTH_EMBEDDED=false)');
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(personId)
        .setIssuer(EMBEDDED_ISSUER)
        .setAudience(EMBEDDED_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(ttl)
        .sign(opts.embeddedKey);
    },
    async verify(token) {
      let issuer: unknown;
      try {
        // Unverified peek, only to choose the verifier; everything is checked by jwtVerify after.
        const header = decodeProtectedHeader(token);
        if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') throw new AuthRefused('bad_algorithm');
        issuer = decodeJwt(token).iss;
      } catch (err) {
        throw err instanceof AuthRefused ? err : new AuthRefused('malformed');
      }
      try {
        if (issuer === EMBEDDED_ISSUER) return await verifyEmbedded(token);
        if (opts.oidc && issuer === opts.oidc.issuer) return await verifyOidc(token, opts.oidc);
        throw new AuthRefused('unknown_issuer');
      } catch (err) {
        throw err instanceof AuthRefused ? err : new AuthRefused(refusalOf(err));
      }
    },
  };
}

/** The signed-in person with their roles now, or null when they are unknown or inactive. */
export async function loadCurrentUser(db: Db, personId: string): Promise<CurrentUser | null> {
  const roles = await getPersonRoles(db, personId);
  if (!roles.person || !roles.person.active) return null;
  return {
    id: roles.person.id,
    name: roles.person.name,
    locale: roles.person.locale,
    university: roles.university,
    units: roles.units,
  };
}

/** Authenticates `Authorization: Bearer …` and loads the person's current roles. */
export function authenticate(db: Db, tokens: TokenService): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.get('authorization') ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new AuthRefused('missing_token');
      const identity = await tokens.verify(m[1]);
      const personId =
        'personId' in identity ? identity.personId : await findPersonByClaim(db, identity.claim.field, identity.claim.value);
      const subject = 'personId' in identity ? identity.personId : `${identity.claim.field}:${identity.claim.value}`;
      if (!personId) throw new AuthRefused('unknown_person', subject);
      const user = await loadCurrentUser(db, personId);
      if (!user) throw new AuthRefused('unknown_person', subject);
      res.locals.user = user;
      next();
    } catch (err) {
      if (err instanceof AuthRefused) {
        req.log?.warn({ reason: err.reason, subject: err.subject, ip: req.ip }, 'sign-on refused');
      }
      throw err;
    }
  };
}
