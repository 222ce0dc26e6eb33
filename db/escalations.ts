/** Read side of escalations (projection written with the notice's events). */
import type { Db } from './client';
import { iso, isoOrNull, jsonColumn } from './rows';
import type { Escalation } from '../domain/escalation';

export interface EscalationRow {
  id: string;
  noticeId: string;
  noticeTitle: string;
  unitId: string;
  unitName: string;
  round: number;
  level: number;
  status: string;
  assigneeId: string | null;
  assigneeName: string | null;
  /** The delegates who may decide for the assignee at the pending step (policy permitting). */
  delegates: string[];
  decideBy: string | null;
  asked: string[];
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  state: Escalation;
}

export interface EscalationFilter {
  /** Units whose escalations the reader sees; null = all. */
  unitIds: string[] | null;
  /** The reader: escalations they were asked in (or may decide as a delegate) are visible to them whatever their unit. */
  readerId: string;
  /** Waiting for this person: as the assignee or as one of the pending step's delegates. */
  assigneeId?: string;
  status?: 'active' | 'awaiting_decision' | 'supervising' | 'ended';
  unitId?: string;
  noticeId?: string;
  page: number;
  pageSize: number;
}

function toRow(r: Record<string, unknown>): EscalationRow {
  return {
    id: r.id as string,
    noticeId: r.notice_id as string,
    noticeTitle: r.notice_title as string,
    unitId: r.unit_id as string,
    unitName: r.unit_name as string,
    round: r.round as number,
    level: r.level as number,
    status: r.status as string,
    assigneeId: (r.assignee_id as string | null) ?? null,
    assigneeName: (r.assignee_name as string | null) ?? null,
    delegates: (r.delegates as string[] | null) ?? [],
    decideBy: isoOrNull(r.decide_by),
    asked: r.asked as string[],
    startedAt: iso(r.started_at),
    endedAt: isoOrNull(r.ended_at),
    endReason: (r.end_reason as string | null) ?? null,
    state: jsonColumn<Escalation>(r.state),
  };
}

const SELECT = `SELECT e.*, n.title AS notice_title, u.name AS unit_name, p.name AS assignee_name
  FROM escalations e JOIN notices n ON n.id = e.notice_id JOIN units u ON u.id = e.unit_id
  LEFT JOIN people p ON p.id = e.assignee_id`;

export async function listEscalations(db: Db, f: EscalationFilter): Promise<{ items: EscalationRow[]; total: number }> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (f.unitIds !== null) {
    const reader = p(f.readerId);
    where.push(`(e.unit_id = ANY(${p(f.unitIds)}::text[]) OR ${reader} = ANY(e.asked) OR ${reader} = ANY(e.delegates))`);
  }
  if (f.assigneeId) {
    const assignee = p(f.assigneeId);
    where.push(`(e.assignee_id = ${assignee} OR ${assignee} = ANY(e.delegates)) AND e.status <> 'ended'`);
  }
  if (f.status === 'active') where.push(`e.status <> 'ended'`);
  else if (f.status) where.push(`e.status = ${p(f.status)}`);
  if (f.unitId) where.push(`e.unit_id = ${p(f.unitId)}`);
  if (f.noticeId) where.push(`e.notice_id = ${p(f.noticeId)}`);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM escalations e ${w}`, params);
  const rows = await db.query<Record<string, unknown>>(
    `${SELECT} ${w} ORDER BY e.started_at DESC, e.id DESC LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return { total: total.rows[0].n, items: rows.rows.map(toRow) };
}

export async function getEscalation(db: Db, id: string): Promise<EscalationRow | null> {
  const r = await db.query<Record<string, unknown>>(`${SELECT} WHERE e.id = $1`, [id]);
  return r.rows[0] ? toRow(r.rows[0]) : null;
}
