/**
 * The dashboard's figures (态势总览, GET /api/stats/...), counted in SQL over the projection the
 * workflows write (notices, notice_events, escalations) — the same statements on PostgreSQL and
 * PGlite. Every figure is "as of" an instant: rows and events after it do not count, so a figure for
 * a past instant is what the dashboard would have shown then (within what the projection keeps; see
 * the README, "Dashboard"). Periods are Beijing weeks and months (domain/time.ts), passed in as
 * bounds so that no statement depends on the database's time zone settings.
 */
import type { Db } from './client';
import { SEVERITY_LEVELS, type SeverityLevel } from '../domain/glossary';
import type { BeijingPeriod } from '../domain/time';

/** Which units count: null all, else these (the person's visible units, or the one asked for). */
export interface StatsScope {
  units: string[] | null;
  asOf: string;
}

const inScope = (col: string, p: string) => `(${p}::text[] IS NULL OR ${col} = ANY(${p}::text[]))`;

export type SeverityCounts = Record<SeverityLevel, number> & { total: number };

const zeroCounts = (): SeverityCounts => ({ critical: 0, high: 0, medium: 0, low: 0, total: 0 });

export interface OpenByUnit {
  items: Array<{ unitId: string; unitName: string } & SeverityCounts>;
  totals: SeverityCounts;
}

/**
 * Notices open at `asOf`, by unit and severity: issued by then and not closed or withdrawn by then
 * (`closed_at` is the instant of either). A notice that could never be issued (`not_issued`) is not
 * counted. Units with none are left out, except a unit asked for by name (all zeros).
 */
export async function openNoticesByUnit(db: Db, s: StatsScope, onlyUnit?: string): Promise<OpenByUnit> {
  const r = await db.query<{ unit_id: string; unit_name: string; severity: string; n: number }>(
    `SELECT n.unit_id, u.name AS unit_name, n.severity, count(*)::int AS n
       FROM notices n JOIN units u ON u.id = n.unit_id
      WHERE n.status <> 'not_issued' AND n.issued_at <= $2 AND (n.closed_at IS NULL OR n.closed_at > $2)
        AND ${inScope('n.unit_id', '$1')}
      GROUP BY n.unit_id, u.name, n.severity`,
    [s.units, s.asOf],
  );
  const byUnit = new Map<string, { unitId: string; unitName: string } & SeverityCounts>();
  const totals = zeroCounts();
  for (const row of r.rows) {
    let u = byUnit.get(row.unit_id);
    if (!u) byUnit.set(row.unit_id, (u = { unitId: row.unit_id, unitName: row.unit_name, ...zeroCounts() }));
    const sev = (SEVERITY_LEVELS as readonly string[]).includes(row.severity) ? (row.severity as SeverityLevel) : null;
    if (sev) {
      u[sev] += row.n;
      totals[sev] += row.n;
    }
    u.total += row.n;
    totals.total += row.n;
  }
  if (onlyUnit && !byUnit.has(onlyUnit)) {
    const name = await db.query<{ name: string }>('SELECT name FROM units WHERE id = $1', [onlyUnit]);
    if (name.rows[0]) byUnit.set(onlyUnit, { unitId: onlyUnit, unitName: name.rows[0].name, ...zeroCounts() });
  }
  const items = [...byUnit.values()].sort((a, b) => b.total - a.total || a.unitId.localeCompare(b.unitId));
  return { items, totals };
}

export interface OverdueWeek extends BeijingPeriod {
  /** Acknowledgement deadlines missed in the week. */
  acknowledge: number;
  /** Rectification deadlines missed in the week. */
  rectify: number;
  total: number;
}

/**
 * Deadlines missed per week: the `overdue` events of the timeline (one each time a notice passes
 * its acknowledgement or rectification deadline unmet) timed in each period and not after `asOf`.
 */
export async function overdueByWeek(db: Db, s: StatsScope, weeks: BeijingPeriod[]): Promise<OverdueWeek[]> {
  const r = await db.query<{ i: number; acknowledge: number; rectify: number }>(
    `SELECT b.i::int AS i,
            count(e.notice_id) FILTER (WHERE e.data->>'deadline' = 'acknowledge')::int AS acknowledge,
            count(e.notice_id) FILTER (WHERE e.data->>'deadline' = 'rectify')::int AS rectify
       FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(start_at, end_at, i)
       LEFT JOIN (notice_events e JOIN notices n ON n.id = e.notice_id AND ${inScope('n.unit_id', '$1')})
         ON e.type = 'overdue' AND e.at >= b.start_at AND e.at < b.end_at AND e.at <= $4
      GROUP BY b.i ORDER BY b.i`,
    [s.units, weeks.map((w) => w.start), weeks.map((w) => w.end), s.asOf],
  );
  return weeks.map((w, i) => {
    const row = r.rows.find((x) => x.i === i + 1) ?? { acknowledge: 0, rectify: 0 };
    return { ...w, acknowledge: row.acknowledge, rectify: row.rectify, total: row.acknowledge + row.rectify };
  });
}

export interface EscalationLevels {
  /** Levels 1–5 of the chain, each with the escalations standing at it. */
  levels: Array<{ level: number; count: number }>;
  /** Escalations under way whose every level so far was vacant (no leader asked yet). */
  noLeader: number;
  total: number;
}

/**
 * Escalations under way at `asOf` (started by then, not ended by then), each at the level it stood
 * at then: the highest level whose leader had been asked by `asOf` (the steps' `reachedAt`;
 * skipped levels do not count). With `asOf` now, that is the escalation's current level.
 */
export async function escalationsByLevel(db: Db, s: StatsScope): Promise<EscalationLevels> {
  const r = await db.query<{ level: number; n: number }>(
    `SELECT COALESCE(lv.level, 0)::int AS level, count(*)::int AS n
       FROM escalations e
       LEFT JOIN LATERAL (
         SELECT max((st->>'level')::int) AS level
           FROM jsonb_array_elements(e.state->'steps') st
          WHERE st->>'outcome' NOT LIKE 'skipped%' AND (st->>'reachedAt')::timestamptz <= $2
       ) lv ON true
      WHERE e.started_at <= $2 AND (e.ended_at IS NULL OR e.ended_at > $2) AND ${inScope('e.unit_id', '$1')}
      GROUP BY 1`,
    [s.units, s.asOf],
  );
  const count = (level: number) => r.rows.find((x) => x.level === level)?.n ?? 0;
  const levels = [1, 2, 3, 4, 5].map((level) => ({ level, count: count(level) }));
  const noLeader = count(0);
  return { levels, noLeader, total: r.rows.reduce((a, x) => a + x.n, 0) };
}

export interface OnTimeRate {
  /** The window: notices closed from `from` up to `asOf`. */
  from: string;
  items: Array<{ unitId: string; unitName: string; closed: number; onTime: number; rate: number }>;
  totals: { closed: number; onTime: number; rate: number | null };
}

/**
 * The on-time rectification rate per unit over notices closed (rectification accepted; withdrawn
 * notices are not closed) from `from` to `asOf`: on time = the notice never missed its
 * rectification deadline (no `overdue` event for it) and its accepted report was submitted no later
 * than the rectification deadline in force (`rectify_by`, which holds the extensions the office
 * approved and the review pauses). rate = onTime / closed.
 */
export async function onTimeByUnit(db: Db, s: StatsScope, from: string): Promise<OnTimeRate> {
  const r = await db.query<{ unit_id: string; unit_name: string; closed: number; on_time: number }>(
    `SELECT n.unit_id, u.name AS unit_name, count(*)::int AS closed,
            count(*) FILTER (WHERE
              NOT EXISTS (SELECT 1 FROM notice_events o
                           WHERE o.notice_id = n.id AND o.type = 'overdue' AND o.data->>'deadline' = 'rectify')
              AND (SELECT max(r.at) FROM notice_events r
                    WHERE r.notice_id = n.id AND r.type = 'rectification_submitted') <= n.rectify_by
            )::int AS on_time
       FROM notices n JOIN units u ON u.id = n.unit_id
      WHERE n.status = 'closed' AND n.closed_at >= $2 AND n.closed_at <= $3 AND ${inScope('n.unit_id', '$1')}
      GROUP BY n.unit_id, u.name`,
    [s.units, from, s.asOf],
  );
  const items = r.rows
    .map((x) => ({ unitId: x.unit_id, unitName: x.unit_name, closed: x.closed, onTime: x.on_time, rate: x.on_time / x.closed }))
    .sort((a, b) => a.rate - b.rate || b.closed - a.closed || a.unitId.localeCompare(b.unitId));
  const closed = items.reduce((a, x) => a + x.closed, 0);
  const onTime = items.reduce((a, x) => a + x.onTime, 0);
  return { from, items, totals: { closed, onTime, rate: closed ? onTime / closed : null } };
}

export interface ClosedMonth extends BeijingPeriod {
  closed: number;
}

/** Notices closed (rectification accepted) in each Beijing month, not after `asOf`. */
export async function closedByMonth(db: Db, s: StatsScope, months: BeijingPeriod[]): Promise<ClosedMonth[]> {
  const r = await db.query<{ i: number; closed: number }>(
    `SELECT b.i::int AS i, count(n.id)::int AS closed
       FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(start_at, end_at, i)
       LEFT JOIN notices n
         ON n.status = 'closed' AND n.closed_at >= b.start_at AND n.closed_at < b.end_at AND n.closed_at <= $4
        AND ${inScope('n.unit_id', '$1')}
      GROUP BY b.i ORDER BY b.i`,
    [s.units, months.map((m) => m.start), months.map((m) => m.end), s.asOf],
  );
  return months.map((m, i) => ({ ...m, closed: r.rows.find((x) => x.i === i + 1)?.closed ?? 0 }));
}
