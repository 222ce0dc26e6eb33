/**
 * Fixed-window counters in the database, so that several API processes on one PostgreSQL count
 * one person's requests together. One statement per counted request: the row is created, reset when its
 * window has passed, or incremented — atomically under concurrent instances (ON CONFLICT … DO
 * UPDATE takes the row lock).
 */
import type { Queryable } from './client';

export async function hit(q: Queryable, key: string, windowMs: number): Promise<{ hits: number; resetAt: Date }> {
  const r = await q.query<{ hits: number; reset_at: Date | string }>(
    `INSERT INTO rate_limit_hits (key, hits, reset_at) VALUES ($1, 1, now() + ($2::int * interval '1 millisecond'))
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN rate_limit_hits.reset_at <= now() THEN 1 ELSE rate_limit_hits.hits + 1 END,
       reset_at = CASE WHEN rate_limit_hits.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limit_hits.reset_at END
     RETURNING hits, reset_at`,
    [key, Math.round(windowMs)],
  );
  return { hits: r.rows[0].hits, resetAt: new Date(r.rows[0].reset_at) };
}

/** The current window's count, without counting (null when the key has no open window). */
export async function peekHits(q: Queryable, key: string): Promise<{ hits: number; resetAt: Date } | null> {
  const r = await q.query<{ hits: number; reset_at: Date | string }>(
    'SELECT hits, reset_at FROM rate_limit_hits WHERE key = $1 AND reset_at > now()',
    [key],
  );
  return r.rows[0] ? { hits: r.rows[0].hits, resetAt: new Date(r.rows[0].reset_at) } : null;
}

export async function unhit(q: Queryable, key: string): Promise<void> {
  await q.query('UPDATE rate_limit_hits SET hits = greatest(hits - 1, 0) WHERE key = $1 AND reset_at > now()', [key]);
}

export async function resetHits(q: Queryable, key: string): Promise<void> {
  await q.query('DELETE FROM rate_limit_hits WHERE key = $1', [key]);
}

/** Drops windows that ended a while ago (keeps the table small). */
export async function purgeHits(q: Queryable): Promise<void> {
  await q.query(`DELETE FROM rate_limit_hits WHERE reset_at < now() - interval '1 hour'`);
}
