/**
 * Notices in the database: numbering, the projection the notice workflows write (the notice's row,
 * its escalations, the timeline) and its reads, evidence files and the inbox.
 */
import crypto from 'node:crypto';
import type { Db, Queryable } from './client';
import { iso, isoOrNull, jsonColumn } from './rows';
import { allocateNumber, NOTICE_NUMBERS } from './numbers';
import { auditEvent, getStateRow, getTimelineOf, NOTICES, timelineFrom, timelineJson, writeStateAndEvent, type TimelineEntry } from './projection';
import { currentStep, leadersAsked } from '../domain/escalation';
import type { NoticeEvent } from '../domain/events';
import type { NoticeState } from '../domain/notice';

/**
 * Allocates the next notice number for the year, e.g. "2026-0007" (with a prefix "HEU-2026-0007"), or returns the number already
 * allocated for this idempotency key (a repeated request must not create a second notice).
 */
export function allocateNoticeId(db: Db, year: number, idempotencyKey: string | undefined, requestDigest: string, prefix = ''): Promise<{ id: string; existing: boolean }> {
  return allocateNumber(db, NOTICE_NUMBERS, year, idempotencyKey, requestDigest, prefix);
}

/**
 * Records a step of the notice, in the caller's transaction: the state into the notice's row (which
 * only moves forward) and its escalations' rows, the event into the timeline, the audit entry.
 * Idempotent: a retried activity writes nothing twice.
 */
export async function writeNoticeEvent(q: Queryable, state: NoticeState, event: NoticeEvent): Promise<void> {
  await writeNoticeRows(q, state, event);
  await auditNoticeEvent(q, state, event);
}

/**
 * The rows of a notice's event without its audit entry, for a transaction that writes more (the
 * event's messages) before `auditNoticeEvent` closes it: the audit lock is global and held to
 * commit, so what follows it is serialised across every worker.
 */
export async function writeNoticeRows(q: Queryable, state: NoticeState, event: NoticeEvent): Promise<void> {
  await writeStateAndEvent(
    q,
    NOTICES,
    {
      sql: `INSERT INTO notices (id, workflow_id, unit_id, title, category, severity, status, overdue,
         acknowledge_by, rectify_by, issued_by, issued_at, closed_at, version, state, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (id) DO UPDATE SET
         status = EXCLUDED.status, overdue = EXCLUDED.overdue, acknowledge_by = EXCLUDED.acknowledge_by,
         rectify_by = EXCLUDED.rectify_by, closed_at = EXCLUDED.closed_at, version = EXCLUDED.version,
         state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
       WHERE notices.version < EXCLUDED.version`,
      params: [
        state.id,
        `notice-${state.id}`,
        state.unitId,
        state.title,
        state.category,
        state.severity,
        state.status,
        state.overdue,
        state.acknowledgeBy.at,
        state.rectifyBy.at,
        state.issuedBy,
        state.issuedAt,
        state.closedAt ?? null,
        event.seq,
        JSON.stringify(state),
        event.at,
      ],
    },
    state.id,
    event,
  );
  for (const e of state.escalations) {
    const step = currentStep(e);
    await q.query(
      `INSERT INTO escalations (id, notice_id, unit_id, round, level, status, assignee_id, decide_by, asked,
         started_at, ended_at, end_reason, version, state, delegates)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (id) DO UPDATE SET
         level = EXCLUDED.level, status = EXCLUDED.status, assignee_id = EXCLUDED.assignee_id,
         delegates = EXCLUDED.delegates,
         decide_by = EXCLUDED.decide_by, asked = EXCLUDED.asked, ended_at = EXCLUDED.ended_at,
         end_reason = EXCLUDED.end_reason, version = EXCLUDED.version, state = EXCLUDED.state
       WHERE escalations.version < EXCLUDED.version`,
      [
        e.id,
        state.id,
        state.unitId,
        e.round,
        e.level,
        e.status,
        step?.assigneeId ?? null,
        e.status === 'supervising' ? (e.superviseUntil ?? null) : (step?.decideBy?.at ?? null),
        leadersAsked(e),
        e.startedAt,
        e.endedAt ?? null,
        e.endReason ?? null,
        event.seq,
        JSON.stringify(e),
        step?.delegateIds ?? [],
      ],
    );
  }
}

/** The event's audit entry: the last statement of its transaction. */
export async function auditNoticeEvent(q: Queryable, state: NoticeState, event: NoticeEvent): Promise<void> {
  await auditEvent(q, NOTICES, state.id, state.status, event);
}

/** What a notice's message needs of its row. */
export interface NoticeHeader {
  title: string;
  unit_id: string;
  severity: string;
}

export async function getNoticeHeader(db: Queryable, id: string): Promise<NoticeHeader | null> {
  const r = await db.query<NoticeHeader>('SELECT title, unit_id, severity FROM notices WHERE id = $1', [id]);
  return r.rows[0] ?? null;
}

export interface NoticeFilter {
  unitIds: string[] | null; // null = all units
  unitId?: string;
  status?: string;
  severity?: string;
  overdue?: boolean;
  /** Text to find in the title or the description. */
  q?: string;
  /** Open notices whose running deadlines were counted over a year the calendar did not cover. */
  calendarWarning?: boolean;
  page: number;
  pageSize: number;
}

export interface NoticeSummary {
  id: string;
  unitId: string;
  unitName: string;
  title: string;
  category: string;
  severity: string;
  status: string;
  overdue: string | null;
  acknowledgeBy: string;
  rectifyBy: string;
  issuedAt: string;
  closedAt: string | null;
}

/**
 * How far the list's `total` counts by default (LIST_COUNT_CAP). An exact count visits every
 * matching row (an index-only scan of 100,000 entries for the office's unfiltered list, tens of ms
 * on every page); counted up to the cap it stops there, and a larger total is answered as "at
 * least the cap" (`totalIsExact: false`, shown as "10,000+").
 */
export const DEFAULT_LIST_COUNT_CAP = 10000;

export interface NoticePage {
  items: NoticeSummary[];
  /** The number of matching notices, or the cap when there are more (then totalIsExact is false). */
  total: number;
  totalIsExact: boolean;
}

/**
 * One page of the notices matching `f`, newest first. `countCap`: how far `total` counts
 * (default DEFAULT_LIST_COUNT_CAP); `null` counts every row (the benchmark's "before").
 */
export async function listNotices(db: Db, f: NoticeFilter, opts: { countCap?: number | null } = {}): Promise<NoticePage> {
  const cap = opts.countCap === undefined ? DEFAULT_LIST_COUNT_CAP : opts.countCap;
  if (cap !== null && !(Number.isInteger(cap) && cap >= 1)) throw new Error(`countCap must be a positive integer, not ${cap}`);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.unitIds !== null) add('n.unit_id = ANY(?::text[])', f.unitIds);
  if (f.unitId) add('n.unit_id = ?', f.unitId);
  if (f.status) add('n.status = ?', f.status);
  if (f.severity) add('n.severity = ?', f.severity);
  if (f.overdue === true) where.push('n.overdue IS NOT NULL');
  if (f.overdue === false) where.push('n.overdue IS NULL');
  if (f.q) {
    // Substring search on title and description: the character-bigram index (migration 025) narrows
    // the rows, strpos confirms the exact text (a one-character query scans).
    params.push(f.q);
    where.push(`n.search_grams @> notice_search_grams($${params.length}) AND strpos(n.search_text, lower($${params.length})) > 0`);
  }
  // Open notices with a running deadline counted over a year the calendar did not cover.
  if (f.calendarWarning === true) {
    where.push(
      `n.status IN ('issued', 'rectifying', 'under_review') AND (
         (n.status = 'issued' AND jsonb_array_length(coalesce(n.state->'acknowledgeBy'->'explanation'->'uncoveredYears', '[]'::jsonb)) > 0)
         OR jsonb_array_length(coalesce(n.state->'rectifyBy'->'explanation'->'uncoveredYears', '[]'::jsonb)) > 0)`,
    );
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // The same SQL on PostgreSQL and PGlite: the LIMIT inside lets the scan stop after cap + 1 rows.
  const total = await db.query<{ n: number }>(
    cap === null
      ? `SELECT count(*)::int AS n FROM notices n ${w}`
      : `SELECT count(*)::int AS n FROM (SELECT 1 FROM notices n ${w} LIMIT ${cap + 1}) capped`,
    params,
  );
  const counted = total.rows[0].n;
  const totalIsExact = cap === null || counted <= cap;
  const rows = await db.query<Record<string, unknown>>(
    `SELECT n.id, n.unit_id, u.name AS unit_name, n.title, n.category, n.severity, n.status, n.overdue,
            n.acknowledge_by, n.rectify_by, n.issued_at, n.closed_at
     FROM notices n JOIN units u ON u.id = n.unit_id ${w}
     ORDER BY n.issued_at DESC, n.id DESC
     LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return {
    total: totalIsExact || cap === null ? counted : cap,
    totalIsExact,
    items: rows.rows.map((r) => ({
      id: r.id as string,
      unitId: r.unit_id as string,
      unitName: r.unit_name as string,
      title: r.title as string,
      category: r.category as string,
      severity: r.severity as string,
      status: r.status as string,
      overdue: (r.overdue as string | null) ?? null,
      acknowledgeBy: iso(r.acknowledge_by),
      rectifyBy: iso(r.rectify_by),
      issuedAt: iso(r.issued_at),
      closedAt: isoOrNull(r.closed_at),
    })),
  };
}

export function getNotice(db: Queryable, id: string): Promise<{ state: NoticeState; unitName: string } | null> {
  return getStateRow<NoticeState>(db, NOTICES, id);
}

export function getTimeline(db: Queryable, id: string): Promise<TimelineEntry[]> {
  return getTimelineOf(db, NOTICES, id);
}

export interface NoticeDetail {
  state: NoticeState;
  unitName: string;
  /** The incidents the notice was opened for (issue 10). */
  incidentIds: string[];
  timeline: TimelineEntry[];
}

/**
 * A notice as its detail shows it — the state with its unit's name, its incidents and its
 * timeline — in one statement: the answer of every action and of the detail page, read once each
 * (three round trips before).
 */
export async function getNoticeDetail(db: Queryable, id: string): Promise<NoticeDetail | null> {
  const r = await db.query<{ state: unknown; unit_name: string; incident_ids: unknown; timeline: unknown }>(
    `SELECT s.state, u.name AS unit_name,
       (SELECT COALESCE(json_agg(l.incident_id ORDER BY l.incident_id), '[]'::json) FROM incident_notice_links l WHERE l.notice_id = s.id) AS incident_ids,
       ${timelineJson(NOTICES, 's.id')} AS timeline
     FROM notices s JOIN units u ON u.id = s.unit_id WHERE s.id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row
    ? { state: jsonColumn<NoticeState>(row.state), unitName: row.unit_name, incidentIds: jsonColumn<string[]>(row.incident_ids), timeline: timelineFrom(row.timeline) }
    : null;
}

export async function storeEvidence(
  db: Db,
  file: { content: Buffer; mediaType: string },
  uploadedBy: string,
): Promise<{ sha256: string; size: number }> {
  const sha256 = crypto.createHash('sha256').update(file.content).digest('hex');
  await db.query(
    `INSERT INTO evidence_files (sha256, size, media_type, content, uploaded_by)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING`,
    [sha256, file.content.length, file.mediaType, file.content, uploadedBy],
  );
  return { sha256, size: file.content.length };
}

export async function getEvidence(db: Db, sha256: string): Promise<{ content: Buffer; mediaType: string } | null> {
  const r = await db.query<{ content: Uint8Array; media_type: string }>(
    'SELECT content, media_type FROM evidence_files WHERE sha256 = $1',
    [sha256],
  );
  const row = r.rows[0];
  return row ? { content: Buffer.from(row.content), mediaType: row.media_type } : null;
}

export interface InboxMessage {
  id: number;
  kind: string;
  noticeId: string | null;
  subject: string;
  body: string;
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

export async function listInbox(
  db: Db,
  personId: string,
  opts: { unreadOnly: boolean; page: number; pageSize: number },
): Promise<{ items: InboxMessage[]; total: number; unread: number }> {
  const counts = await db.query<{ total: number; unread: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE read_at IS NULL)::int AS unread
     FROM inbox_messages WHERE person_id = $1`,
    [personId],
  );
  const r = await db.query<Record<string, unknown>>(
    `SELECT id, kind, notice_id, subject, body, link, created_at, read_at FROM inbox_messages
     WHERE person_id = $1 ${opts.unreadOnly ? 'AND read_at IS NULL' : ''}
     ORDER BY created_at DESC, id DESC LIMIT ${Number(opts.pageSize)} OFFSET ${Number((opts.page - 1) * opts.pageSize)}`,
    [personId],
  );
  return {
    total: counts.rows[0].total,
    unread: counts.rows[0].unread,
    items: r.rows.map((m) => ({
      id: Number(m.id),
      kind: m.kind as string,
      noticeId: (m.notice_id as string | null) ?? null,
      subject: m.subject as string,
      body: m.body as string,
      link: (m.link as string | null) ?? null,
      createdAt: iso(m.created_at),
      readAt: isoOrNull(m.read_at),
    })),
  };
}

export async function markInboxRead(db: Db, personId: string, id: number): Promise<boolean> {
  const r = await db.query(
    'UPDATE inbox_messages SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND person_id = $2',
    [id, personId],
  );
  return r.rowCount > 0;
}
