/**
 * Hardening at the edge: rate limits and CORS.
 * - Sign-on failures are limited per client address (guessing tokens, a broken client in a loop).
 * - Browser sign-ins (start, callback, dev sign-in) are limited per client address.
 * - Authenticated requests are limited per person, so one account cannot starve the others.
 * - CORS is closed by default: no cross-origin headers at all unless CORS_ORIGINS lists origins.
 * On PostgreSQL the counters are in the database (api/rate-store.ts), so the limits hold across
 * API instances; on the embedded PGlite (one process) they are in memory.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options } from 'express-rate-limit';
import type { CurrentUser } from './access';
import type { Db } from '../db/client';
import { HttpError } from './errors';
import { rateStore } from './rate-store';

export interface LimitsConfig {
  /** Requests per minute per signed-in person. */
  perPersonPerMinute: number;
  /** Failed sign-ons per 15 minutes per client address. */
  authFailuresPer15Min: number;
  /** Origins allowed to call the API from a browser; empty = none (same origin only). */
  corsOrigins: string[];
}

const tooMany = {
  error: '请求过于频繁，请稍后再试 / Too many requests; try again later',
  details: null,
};

/**
 * Refused sign-ons (401) per client address, in two halves around authentication: `check` refuses
 * an address that has used its budget, `count` counts a refusal. A good request costs one read
 * and no write: every API request passes here, all of them from one address behind a proxy, and
 * a write per request (express-rate-limit's count-then-take-back) made that address's row the
 * one every request waited for. `count` runs before the 401 is sent, so the next attempt sees it.
 * Refusals in flight together may each pass the check: the budget can be overrun by as many
 * attempts as one client keeps in flight, which does not matter to a guard against guessing.
 */
export function authFailureLimit(cfg: LimitsConfig, db?: Db): { check: RequestHandler; count: ErrorRequestHandler } {
  const windowMs = 15 * 60 * 1000;
  const store = rateStore(db, `auth:${cfg.authFailuresPer15Min}:`) ?? new MemoryStore();
  void store.init?.({ windowMs } as Options);
  const keyOf = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  return {
    check: async (req, res, next) => {
      const seen = await store.get!(keyOf(req));
      if (seen && seen.totalHits >= cfg.authFailuresPer15Min) {
        const resetAt = seen.resetTime?.getTime() ?? Date.now() + windowMs;
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil((resetAt - Date.now()) / 1000))));
        res.status(429).json(tooMany);
        return;
      }
      next();
    },
    count: async (err: unknown, req, _res, next) => {
      if (err instanceof HttpError && err.status === 401) await store.increment(keyOf(req));
      next(err);
    },
  };
}

/**
 * Browser sign-ins (README "Sign-in") per client address: every start, callback and dev sign-in
 * counts except one that signed someone in, against the sign-on failure budget. Starting a
 * sign-in stores a row, so unlimited starts would fill a table.
 */
export function signInLimit(cfg: LimitsConfig, db?: Db): RequestHandler {
  const store = rateStore(db, `signin:${cfg.authFailuresPer15Min}:`);
  return rateLimit({
    ...(store ? { store } : {}),
    windowMs: 15 * 60 * 1000,
    limit: cfg.authFailuresPer15Min,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.locals.signedIn === true,
    keyGenerator: (req) => `signin:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    message: tooMany,
  });
}

/** Per-person limit; put it after authentication. */
export function personLimit(cfg: LimitsConfig, db?: Db): RequestHandler {
  const store = rateStore(db, `person:${cfg.perPersonPerMinute}:`);
  return rateLimit({
    ...(store ? { store } : {}),
    windowMs: 60 * 1000,
    limit: cfg.perPersonPerMinute,
    keyGenerator: (_req, res) => `person:${(res.locals.user as CurrentUser).id}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    message: tooMany,
  });
}

/** Cross-origin access for the listed origins only; nothing for anyone else. */
export function cors(cfg: LimitsConfig): RequestHandler {
  const allowed = new Set(cfg.corsOrigins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (!origin || !allowed.has(origin)) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, X-Request-Id');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
    res.setHeader('Access-Control-Max-Age', '600');
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

export const DEFAULT_LIMITS: LimitsConfig = { perPersonPerMinute: 600, authFailuresPer15Min: 100, corsOrigins: [] };
