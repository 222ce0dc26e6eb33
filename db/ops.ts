/**
 * Read-only queries for operations: the figures `/metrics` exports (counted from the records, so
 * every API instance reports the same numbers whichever one Prometheus scrapes) and whether the
 * database answers at all. Also: which errors mean "the database is unavailable" rather than a bug.
 */
import type { Queryable } from './client';

export interface OpsFigures {
  /** Open notices (not closed or withdrawn) by severity, and how many of them are overdue. */
  notices: Array<{ severity: string; status: string; overdue: string | null; n: number }>;
  /** Escalations by level and status (active, ended…). */
  escalations: Array<{ level: number; status: string; n: number }>;
  /** Outbox rows by channel and status (failed = waits for the office). */
  outbox: Array<{ channel: string; status: string; n: number }>;
  /** Failed attempts (errors, expired leases) by channel, ever. */
  attemptFailures: Array<{ channel: string; result: string; n: number }>;
}

export async function opsFigures(q: Queryable): Promise<OpsFigures> {
  const notices = await q.query<{ severity: string; status: string; overdue: string | null; n: number }>(
    `SELECT severity, status, overdue, count(*)::int AS n FROM notices GROUP BY severity, status, overdue`,
  );
  const escalations = await q.query<{ level: number; status: string; n: number }>(
    `SELECT level, status, count(*)::int AS n FROM escalations GROUP BY level, status`,
  );
  const outbox = await q.query<{ channel: string; status: string; n: number }>(
    `SELECT channel, status, count(*)::int AS n FROM notification_outbox GROUP BY channel, status`,
  );
  const attemptFailures = await q.query<{ channel: string; result: string; n: number }>(
    `SELECT o.channel, a.result, count(*)::int AS n
       FROM notification_attempts a JOIN notification_outbox o ON o.id = a.outbox_id
      WHERE a.result IN ('error', 'lease_expired')
      GROUP BY o.channel, a.result`,
  );
  return { notices: notices.rows, escalations: escalations.rows, outbox: outbox.rows, attemptFailures: attemptFailures.rows };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** True when `err` says the database cannot be reached now (not that a query was wrong). */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(msg)) {
      return true;
    }
  }
  return false;
}
