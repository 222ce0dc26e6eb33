/**
 * Trigger firings (Art. 7) in the database: one row per dedupe key, the proposal number it was
 * given (allocated once per key through the proposals' source keys), and the list the office reads.
 */
import type { Db, Queryable } from './client';
import { iso, jsonColumn } from './rows';
import { allocateProposalId } from './proposals';
import type { FiringPlan } from '../domain/triggers';

/**
 * Claims the firing for `plan.dedupeKey`: the proposal number for it (the same on every retry) and
 * whether the facts had fired already. Idempotent: a retry after a crash returns the same number.
 */
export async function claimFiring(db: Db, plan: FiringPlan, firedBy: string, idPrefix?: string): Promise<{ proposalId: string; existing: boolean }> {
  const { id } = await allocateProposalId(db, new Date().getUTCFullYear(), `trigger:${plan.dedupeKey}`, undefined, idPrefix);
  const inserted = await db.query(
    `INSERT INTO trigger_firings (dedupe_key, rule, article, unit_id, incident_id, notice_id, proposal_id, facts, fired_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedupe_key) DO NOTHING`,
    [plan.dedupeKey, plan.rule, plan.article, plan.unitId, plan.incidentIds[0] ?? null, plan.noticeIds[0] ?? null, id, JSON.stringify(plan.facts), firedBy],
  );
  return { proposalId: id, existing: inserted.rowCount === 0 };
}

export interface FiringRecord {
  dedupeKey: string;
  rule: string;
  article: string;
  unitId: string;
  incidentId: string | null;
  noticeId: string | null;
  proposalId: string;
  facts: Record<string, unknown>;
  firedBy: string;
  firedAt: string;
}

export async function listFirings(
  db: Queryable,
  f: { unitId?: string; rule?: string; incidentId?: string; noticeId?: string; page: number; pageSize: number },
): Promise<{ items: FiringRecord[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [col, v] of [['unit_id', f.unitId], ['rule', f.rule], ['incident_id', f.incidentId], ['notice_id', f.noticeId]] as const) {
    if (v) {
      params.push(v);
      where.push(`${col} = $${params.length}`);
    }
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM trigger_firings ${w}`, params);
  const r = await db.query<Record<string, unknown>>(
    `SELECT * FROM trigger_firings ${w} ORDER BY fired_at DESC, dedupe_key LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return {
    total: total.rows[0].n,
    items: r.rows.map((x) => ({
      dedupeKey: x.dedupe_key as string,
      rule: x.rule as string,
      article: x.article as string,
      unitId: x.unit_id as string,
      incidentId: (x.incident_id as string | null) ?? null,
      noticeId: (x.notice_id as string | null) ?? null,
      proposalId: x.proposal_id as string,
      facts: jsonColumn<Record<string, unknown>>(x.facts),
      firedBy: x.fired_by as string,
      firedAt: iso(x.fired_at),
    })),
  };
}
