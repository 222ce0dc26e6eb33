/**
 * Incidents in the database: numbering, the projection the incident workflows write (state row,
 * timeline, links to notices) and its reads, and the earlier mining cases Art. 7(5) compares with.
 */
import type { Db, Queryable } from './client';
import { iso, isoOrNull, jsonColumn } from './rows';
import { allocateNumber, INCIDENT_NUMBERS } from './numbers';
import { auditEvent, getStateRow, getTimelineOf, INCIDENTS, writeStateAndEvent, type TimelineEntry } from './projection';
import type { IncidentState } from '../domain/incident';
import type { EarlierCase } from '../domain/triggers';

/** Incident numbers: I2026-0001, or with the deployment's prefix HEU-I2026-0001. */
export const INCIDENT_ID_PATTERN = /^([A-Z][A-Z0-9]{0,9}-)?I\d{4}-\d{4,}$/;

/** The next incident number, or the one already allocated for this idempotency key. */
export function allocateIncidentId(db: Db, year: number, idempotencyKey: string | undefined, requestDigest: string, prefix = ''): Promise<{ id: string; existing: boolean }> {
  return allocateNumber(db, INCIDENT_NUMBERS, year, idempotencyKey, requestDigest, prefix);
}

export interface IncidentEventRow {
  seq: number;
  type: string;
  actorId: string;
  at: string;
  data: Record<string, unknown>;
}

/**
 * Records a step of the incident, in the caller's transaction: the state into its row (which only
 * moves forward) and its links to notices, the event into the timeline, the audit entry. A retry
 * writes nothing twice.
 */
export async function writeIncidentEvent(q: Queryable, state: IncidentState, event: IncidentEventRow): Promise<void> {
  await writeStateAndEvent(
    q,
    INCIDENTS,
    {
      sql: `INSERT INTO incidents (id, workflow_id, unit_id, title, type, grade, status, source, system_ids, started_at, detected_at,
         report_due, reported_at, late, recorded_at, closed_at, version, state, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
       ON CONFLICT (id) DO UPDATE SET
         status = EXCLUDED.status, grade = EXCLUDED.grade, reported_at = EXCLUDED.reported_at, late = EXCLUDED.late,
         closed_at = EXCLUDED.closed_at, version = EXCLUDED.version, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
       WHERE incidents.version < EXCLUDED.version`,
      params: [
        state.id,
        `incident-${state.id}`,
        state.unitId,
        state.title,
        state.type,
        state.grade,
        state.status,
        state.source,
        state.systems.map((s) => s.id),
        state.startedAt,
        state.detectedAt,
        state.clocks.reportDueAt,
        state.report?.at ?? null,
        isLate(state),
        state.recordedAt,
        state.closedAt ?? null,
        event.seq,
        JSON.stringify(state),
        event.at,
      ],
    },
    state.id,
    event,
  );
  for (const n of state.noticeIds) {
    await q.query(
      `INSERT INTO incident_notice_links (incident_id, notice_id, linked_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [state.id, n, event.actorId],
    );
  }
  await auditEvent(q, INCIDENTS, state.id, state.status, event);
}

/** Late: reported after the deadline, overdue without a report, or never reported. */
export function isLate(s: IncidentState): boolean {
  return (s.report?.lateByMs ?? 0) > 0 || s.reportOverdue || s.neverReported;
}

export interface IncidentFilter {
  unitIds: string[] | null;
  unitId?: string;
  type?: string;
  grade?: string;
  status?: string;
  late?: boolean;
  systemId?: string;
  page: number;
  pageSize: number;
}

export interface IncidentSummary {
  id: string;
  unitId: string;
  unitName: string;
  title: string;
  type: string;
  grade: string;
  status: string;
  source: string;
  systemIds: string[];
  startedAt: string;
  detectedAt: string;
  reportDueAt: string;
  reportedAt: string | null;
  late: boolean;
  closedAt: string | null;
  /** For live clocks: the outage's start and end, and the thresholds. */
  outage: { startedAt: string; restoredAt: string | null; alertAfterMs: number } | null;
}

export async function listIncidents(db: Queryable, f: IncidentFilter): Promise<{ items: IncidentSummary[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.unitIds !== null) add('i.unit_id = ANY(?::text[])', f.unitIds);
  if (f.unitId) add('i.unit_id = ?', f.unitId);
  if (f.type) add('i.type = ?', f.type);
  if (f.grade) add('i.grade = ?', f.grade);
  if (f.status) add('i.status = ?', f.status);
  if (f.late !== undefined) add('i.late = ?', f.late);
  if (f.systemId) add('? = ANY(i.system_ids)', f.systemId);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents i ${w}`, params);
  const rows = await db.query<Record<string, unknown>>(
    `SELECT i.*, u.name AS unit_name FROM incidents i JOIN units u ON u.id = i.unit_id ${w}
     ORDER BY i.detected_at DESC, i.id DESC LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return {
    total: total.rows[0].n,
    items: rows.rows.map((r) => {
      const s = jsonColumn<IncidentState>(r.state);
      return {
        id: r.id as string,
        unitId: r.unit_id as string,
        unitName: r.unit_name as string,
        title: r.title as string,
        type: r.type as string,
        grade: r.grade as string,
        status: r.status as string,
        source: r.source as string,
        systemIds: r.system_ids as string[],
        startedAt: iso(r.started_at),
        detectedAt: iso(r.detected_at),
        reportDueAt: iso(r.report_due),
        reportedAt: isoOrNull(r.reported_at),
        late: r.late as boolean,
        closedAt: isoOrNull(r.closed_at),
        outage: s.clocks.outage ? { ...s.clocks.outage, restoredAt: s.restoration?.restoredAt ?? null } : null,
      };
    }),
  };
}

export function getIncident(db: Queryable, id: string): Promise<{ state: IncidentState; unitName: string } | null> {
  return getStateRow<IncidentState>(db, INCIDENTS, id);
}

export function getIncidentTimeline(db: Queryable, id: string): Promise<TimelineEntry[]> {
  return getTimelineOf(db, INCIDENTS, id);
}

/** The incidents linked to a notice (the other side of incident.noticeIds). */
export async function incidentsOfNotice(db: Queryable, noticeId: string): Promise<string[]> {
  const r = await db.query<{ incident_id: string }>('SELECT incident_id FROM incident_notice_links WHERE notice_id = $1 ORDER BY incident_id', [noticeId]);
  return r.rows.map((x) => x.incident_id);
}

/** The unit's mining incidents detected in [from, to), other than `excludeId`, oldest first. */
export async function earlierMiningCases(db: Queryable, unitId: string, from: string, to: string, excludeId: string): Promise<EarlierCase[]> {
  const r = await db.query<{ id: string; title: string; detected_at: unknown }>(
    `SELECT id, title, detected_at FROM incidents
     WHERE unit_id = $1 AND type = 'mining' AND detected_at >= $2 AND detected_at < $3 AND id <> $4
     ORDER BY detected_at, id`,
    [unitId, from, to, excludeId],
  );
  return r.rows.map((x) => ({ id: x.id, title: x.title, detectedAt: iso(x.detected_at) }));
}
