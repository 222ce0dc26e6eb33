/**
 * Accountability proposals in the database: numbering, the attribution at the time of the facts,
 * and the read side (the projection the proposal workflows write).
 */
import type { Db, Queryable } from './client';
import { iso, jsonColumn } from './rows';
import { IdempotencyConflict, type TimelineEntry } from './notices';
import { getUnitChain } from './org';
import { defaultAttribution, type Attribution, type ProposalState } from '../domain/accountability';

export { IdempotencyConflict };

/** Proposal numbers: P2026-0001, or with the deployment's prefix HEU-P2026-0001. */
export const PROPOSAL_ID_PATTERN = /^([A-Z][A-Z0-9]{0,9}-)?P\d{4}-\d{4,}$/;

/**
 * The next proposal number for the year, e.g. "P2026-0007" (with a prefix "HEU-P2026-0007"), or
 * the number already allocated for `sourceKey` (a retried request or activity must not create a
 * second proposal). With a digest, a repeated key must come with the same request.
 */
export async function allocateProposalId(
  db: Db,
  year: number,
  sourceKey: string | undefined,
  requestDigest?: string,
  prefix = '',
): Promise<{ id: string; existing: boolean }> {
  return db.tx(async (q) => {
    if (sourceKey) {
      const prior = await q.query<{ proposal_id: string; request_digest: string | null }>(
        'SELECT proposal_id, request_digest FROM proposal_requests WHERE source_key = $1',
        [sourceKey],
      );
      if (prior.rows[0]) {
        if ((prior.rows[0].request_digest ?? undefined) !== requestDigest) throw new IdempotencyConflict();
        return { id: prior.rows[0].proposal_id, existing: true };
      }
    }
    const r = await q.query<{ last: number }>(
      `INSERT INTO proposal_counters (year, last) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last = proposal_counters.last + 1 RETURNING last`,
      [year],
    );
    const id = `${prefix ? `${prefix}-` : ''}P${year}-${String(r.rows[0].last).padStart(4, '0')}`;
    if (sourceKey) {
      await q.query('INSERT INTO proposal_requests (source_key, proposal_id, request_digest) VALUES ($1, $2, $3)', [
        sourceKey,
        id,
        requestDigest ?? null,
      ]);
    }
    return { id, existing: false };
  });
}

/** The default attribution (Art. 7), from the unit's chain as it stood at `factsAt`. */
export async function attributionAtFacts(db: Queryable, unitId: string, factsAt: Date, partiesConcerned: string[]): Promise<Attribution> {
  const chain = await getUnitChain(db, unitId, factsAt);
  return defaultAttribution(chain, partiesConcerned);
}

export interface ProposalFilter {
  status?: string;
  unitId?: string;
  trigger?: string;
  page: number;
  pageSize: number;
}

export interface ProposalSummary {
  id: string;
  unitId: string;
  unitName: string;
  status: string;
  trigger: string;
  originKind: string;
  factsAt: string;
  createdAt: string;
  updatedAt: string;
}

export async function listProposals(db: Queryable, f: ProposalFilter): Promise<{ items: ProposalSummary[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, v: unknown) => {
    params.push(v);
    where.push(`${column} = $${params.length}`);
  };
  if (f.status) add('p.status', f.status);
  if (f.unitId) add('p.unit_id', f.unitId);
  if (f.trigger) add('p.trigger', f.trigger);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM accountability_proposals p ${w}`, params);
  const rows = await db.query<Record<string, unknown>>(
    `SELECT p.id, p.unit_id, u.name AS unit_name, p.status, p.trigger, p.origin_kind, p.facts_at, p.created_at, p.updated_at
     FROM accountability_proposals p JOIN units u ON u.id = p.unit_id ${w}
     ORDER BY p.created_at DESC, p.id DESC
     LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return {
    total: total.rows[0].n,
    items: rows.rows.map((r) => ({
      id: r.id as string,
      unitId: r.unit_id as string,
      unitName: r.unit_name as string,
      status: r.status as string,
      trigger: r.trigger as string,
      originKind: r.origin_kind as string,
      factsAt: iso(r.facts_at),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    })),
  };
}

export async function getProposal(db: Queryable, id: string): Promise<{ state: ProposalState; unitName: string } | null> {
  const r = await db.query<{ state: unknown; unit_name: string }>(
    'SELECT p.state, u.name AS unit_name FROM accountability_proposals p JOIN units u ON u.id = p.unit_id WHERE p.id = $1',
    [id],
  );
  const row = r.rows[0];
  return row ? { state: jsonColumn<ProposalState>(row.state), unitName: row.unit_name } : null;
}

export async function getProposalTimeline(db: Queryable, id: string): Promise<TimelineEntry[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT e.seq, e.type, e.actor_id, p.name AS actor_name, e.at, e.data
     FROM proposal_events e LEFT JOIN people p ON p.id = e.actor_id
     WHERE e.proposal_id = $1 ORDER BY e.seq`,
    [id],
  );
  return r.rows.map((e) => ({
    seq: e.seq as number,
    type: e.type as string,
    actorId: (e.actor_id as string | null) ?? null,
    actorName: (e.actor_name as string | null) ?? null,
    at: iso(e.at),
    data: jsonColumn<Record<string, unknown>>(e.data),
  }));
}

export interface OutcomeRecord {
  proposalId: string;
  unitId: string;
  personId: string | null;
  responsibility: string;
  body: string;
  decision: string;
  measures: string[];
  reviewOpened: boolean;
  decidedAt: string;
}

/** The recorded outcome rows of a proposal (per body: persons in the order of the attribution, then the unit). */
export async function listOutcomes(db: Queryable, proposalId: string): Promise<OutcomeRecord[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT proposal_id, unit_id, person_id, responsibility, body, decision, measures, review_opened, decided_at
     FROM accountability_outcomes WHERE proposal_id = $1 ORDER BY body, id`,
    [proposalId],
  );
  return r.rows.map((o) => ({
    proposalId: o.proposal_id as string,
    unitId: o.unit_id as string,
    personId: (o.person_id as string | null) ?? null,
    responsibility: o.responsibility as string,
    body: o.body as string,
    decision: o.decision as string,
    measures: o.measures as string[],
    reviewOpened: o.review_opened as boolean,
    decidedAt: iso(o.decided_at),
  }));
}

/** Which of these evidence hashes are stored. */
export async function storedEvidence(db: Queryable, sha256s: string[]): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const r = await db.query<{ sha256: string }>('SELECT sha256 FROM evidence_files WHERE sha256 = ANY($1::text[])', [sha256s]);
  return new Set(r.rows.map((x) => x.sha256));
}
