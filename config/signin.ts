/**
 * The browser sign-in configuration (api/session.ts) from the validated environment
 * (config/env.ts; README "Configuration" and "Sign-in").
 */
import type { Env } from './env';
import type { SignInConfig } from '../api/session';

/** `30m`, `8h`, `7d` (the format env.ts checks) in seconds. */
export function durationSeconds(v: string): number {
  const m = /^(\d+)([smhd])$/.exec(v);
  if (!m) throw new Error(`not a duration: ${v}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export function signInConfig(env: Env): SignInConfig {
  return {
    publicUrl: env.PUBLIC_URL,
    idleTimeoutSec: durationSeconds(env.SESSION_IDLE_TIMEOUT),
    absoluteTimeoutSec: durationSeconds(env.SESSION_ABSOLUTE_TIMEOUT),
    embedded: env.AUTH_EMBEDDED,
  };
}
