/**
 * Hardening at the edge: rate limits and CORS.
 * - Sign-on failures are limited per client address (guessing tokens, a broken client in a loop).
 * - Browser sign-ins (start, callback, dev sign-in) are limited per client address.
 * - Authenticated requests are limited per person, so one account cannot starve the others.
 * - CORS is closed by default: no cross-origin headers at all unless CORS_ORIGINS lists origins.
 * Limits are counted in this process's memory; behind several API processes each counts its own.
 */
import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import type { CurrentUser } from './access';

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

/** Counts only refused sign-ons (401), per address; put it before authentication. */
export function authFailureLimit(cfg: LimitsConfig): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: cfg.authFailuresPer15Min,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    message: tooMany,
  });
}

/**
 * Browser sign-ins (README "Sign-in") per client address: every start, callback and dev sign-in
 * counts except one that signed someone in, against the sign-on failure budget. Starting a
 * sign-in stores a row, so unlimited starts would fill a table.
 */
export function signInLimit(cfg: LimitsConfig): RequestHandler {
  return rateLimit({
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
export function personLimit(cfg: LimitsConfig): RequestHandler {
  return rateLimit({
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
