/**
 * Tokens. The embedded issuer signs short-lived JWTs (HS256) with a key kept under DATA_DIR, for
 * development, demos and tests: `npm run -s token -- <personId>`. Roles never come from the token:
 * they are looked up in the organisation on every request.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { RequestHandler } from 'express';
import type { Db } from '../db/client';
import { getPersonRoles } from '../db/org';
import { HttpError } from './errors';
import type { CurrentUser } from './access';

const ISSUER = 'cyberduty-embedded';
const AUDIENCE = 'cyberduty';

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

export interface TokenService {
  sign(personId: string, ttl?: string): Promise<string>;
  /** Returns the person id, or throws HttpError(401). */
  verify(token: string): Promise<string>;
}

export function createTokenService(key: Uint8Array, defaultTtl = '8h'): TokenService {
  return {
    async sign(personId, ttl = defaultTtl) {
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(personId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(ttl)
        .sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          clockTolerance: 30,
        });
        if (!payload.sub) throw new Error('no subject');
        return payload.sub;
      } catch (err) {
        const expired = err instanceof joseErrors.JWTExpired;
        throw new HttpError(
          401,
          expired ? '登录已过期，请重新获取令牌' : '身份令牌无效',
          expired ? 'The token has expired; get a new one' : 'The token is not valid',
        );
      }
    },
  };
}

/** Authenticates `Authorization: Bearer …` and loads the person's current roles. */
export function authenticate(db: Db, tokens: TokenService): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, '请先登录（缺少 Bearer 令牌）', 'Sign in first (no Bearer token)');
    const personId = await tokens.verify(m[1]);
    const roles = await getPersonRoles(db, personId);
    if (!roles.person || !roles.person.active) {
      throw new HttpError(401, '令牌对应的人员不在组织架构中', 'The token names no person in the organisation');
    }
    const user: CurrentUser = {
      id: roles.person.id,
      name: roles.person.name,
      locale: roles.person.locale,
      university: roles.university,
      units: roles.units,
    };
    res.locals.user = user;
    next();
  };
}
