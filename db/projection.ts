/**
 * What the projections of every workflow type share — notices, accountability proposals and
 * incidents alike: a state row read with its unit's name, a timeline of events (written once per
 * sequence number, read with the actors' names), and the audit entry of each recorded event.
 */
import type { Queryable } from './client';
import { appendAudit } from './audit';
import { iso, jsonColumn } from './rows';

export interface TimelineEntry {
  seq: number;
  type: string;
  actorId: string | null;
  actorName: string | null;
  at: string;
  data: Record<string, unknown>;
}

/** An event as the workflows record it. */
export interface RecordedEvent {
  seq: number;
  type: string;
  actorId: string;
  at: string;
  data: Record<string, unknown>;
}

export interface Projection {
  /** The audit trail's target type, the event's action prefix and the workflow id's prefix. */
  kind: 'notice' | 'proposal' | 'incident';
  rows: 'notices' | 'accountability_proposals' | 'incidents';
  events: 'notice_events' | 'proposal_events' | 'incident_events';
  /** The events' column naming the row. */
  key: 'notice_id' | 'proposal_id' | 'incident_id';
}

export const NOTICES: Projection = { kind: 'notice', rows: 'notices', events: 'notice_events', key: 'notice_id' };
export const PROPOSALS: Projection = { kind: 'proposal', rows: 'accountability_proposals', events: 'proposal_events', key: 'proposal_id' };
export const INCIDENTS: Projection = { kind: 'incident', rows: 'incidents', events: 'incident_events', key: 'incident_id' };

/** The state the workflow last recorded, with its unit's name; null when nothing is recorded. */
export async function getStateRow<T>(db: Queryable, p: Projection, id: string): Promise<{ state: T; unitName: string } | null> {
  const r = await db.query<{ state: unknown; unit_name: string }>(
    `SELECT s.state, u.name AS unit_name FROM ${p.rows} s JOIN units u ON u.id = s.unit_id WHERE s.id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row ? { state: jsonColumn<T>(row.state), unitName: row.unit_name } : null;
}

/** The timeline in order, with each actor's name (null for the system or a person no longer known). */
export async function getTimelineOf(db: Queryable, p: Projection, id: string): Promise<TimelineEntry[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT e.seq, e.type, e.actor_id, p.name AS actor_name, e.at, e.data
     FROM ${p.events} e LEFT JOIN people p ON p.id = e.actor_id
     WHERE e.${p.key} = $1 ORDER BY e.seq`,
    [id],
  );
  return r.rows.map(timelineEntry);
}

/**
 * The same timeline as one json value of a row's query (`rowId`: the outer query's column holding
 * the row's id), so that a record and its timeline are read in one statement; read it back with
 * `timelineFrom`.
 */
export function timelineJson(p: Projection, rowId: string): string {
  return `(SELECT COALESCE(json_agg(json_build_object('seq', e.seq, 'type', e.type, 'actor_id', e.actor_id, 'actor_name', a.name, 'at', e.at, 'data', e.data) ORDER BY e.seq), '[]'::json)
     FROM ${p.events} e LEFT JOIN people a ON a.id = e.actor_id WHERE e.${p.key} = ${rowId})`;
}

export function timelineFrom(v: unknown): TimelineEntry[] {
  return jsonColumn<Array<Record<string, unknown>>>(v).map(timelineEntry);
}

function timelineEntry(e: Record<string, unknown>): TimelineEntry {
  return {
    seq: Number(e.seq),
    type: e.type as string,
    actorId: (e.actor_id as string | null) ?? null,
    actorName: (e.actor_name as string | null) ?? null,
    at: iso(e.at),
    data: jsonColumn<Record<string, unknown>>(e.data),
  };
}

/**
 * A step's state row and its event, in one statement (a round trip per step, not two): the row's
 * upsert (`$1…`, only moving forward) runs as a CTE — always, to completion — and the event goes
 * into the timeline once per sequence number. A retry writes nothing twice.
 */
export async function writeStateAndEvent(
  q: Queryable,
  p: Projection,
  upsert: { sql: string; params: unknown[] },
  id: string,
  event: RecordedEvent,
): Promise<void> {
  const n = upsert.params.length;
  await q.query(
    `WITH state_row AS (${upsert.sql})
     INSERT INTO ${p.events} (${p.key}, seq, type, actor_id, at, data)
     VALUES ($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}) ON CONFLICT (${p.key}, seq) DO NOTHING`,
    [...upsert.params, id, event.seq, event.type, event.actorId, event.at, JSON.stringify(event.data)],
  );
}

/**
 * The event's audit entry. In the recording transaction and last in it (it takes the audit lock
 * until commit); its key makes a retried activity append nothing.
 */
export async function auditEvent(q: Queryable, p: Projection, id: string, status: string, event: RecordedEvent): Promise<void> {
  await appendAudit(q, {
    actorId: event.actorId,
    action: `${p.kind}.${event.type}`,
    targetType: p.kind,
    targetId: id,
    idempotencyKey: `${p.kind}:${id}:${event.seq}`,
    details: { seq: event.seq, eventAt: event.at, status, workflowId: `${p.kind}-${id}` },
  });
}
