/**
 * Accountability proposals in the database: numbering, the attribution at the time of the facts,
 * the projection the proposal workflows write (row, timeline, outcomes) and its reads.
 */
import type { Db, Queryable } from './client';
import { iso } from './rows';
import { allocateNumber, PROPOSAL_NUMBERS } from './numbers';
import { auditEvent, getStateRow, getTimelineOf, PROPOSALS, writeStateAndEvent, type TimelineEntry } from './projection';
import { getUnitChain } from './org';
import { defaultAttribution, type Attribution, type OutcomeRow, type ProposalState } from '../domain/accountability';
import type { ProposalEvent } from '../domain/events';

/** Proposal numbers: P2026-0001, or with the deployment's prefix HEU-P2026-0001. */
export const PROPOSAL_ID_PATTERN = /^([A-Z][A-Z0-9]{0,9}-)?P\d{4}-\d{4,}$/;

/**
 * The next proposal number for the year, e.g. "P2026-0007" (with a prefix "HEU-P2026-0007"), or
 * the number already allocated for `sourceKey` (a retried request or activity must not create a
 * second proposal). With a digest, a repeated key must come with the same request.
 */
export function allocateProposalId(
  db: Db,
  year: number,
  sourceKey: string | undefined,
  requestDigest?: string,
  prefix = '',
): Promise<{ id: string; existing: boolean }> {
  return allocateNumber(db, PROPOSAL_NUMBERS, year, sourceKey, requestDigest, prefix);
}

/**
 * Records a step of the proposal, in the caller's transaction: the state into its row (which only
 * moves forward), the event into the timeline, the audit entry. A retry writes nothing twice.
 */
export async function writeProposalEvent(q: Queryable, state: ProposalState, event: ProposalEvent): Promise<void> {
  await writeStateAndEvent(
    q,
    PROPOSALS,
    {
      sql: `INSERT INTO accountability_proposals (id, workflow_id, unit_id, status, trigger, origin_kind, facts_at,
         version, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET
         status = EXCLUDED.status, trigger = EXCLUDED.trigger, version = EXCLUDED.version,
         state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
       WHERE accountability_proposals.version < EXCLUDED.version`,
      params: [state.id, `proposal-${state.id}`, state.unitId, state.status, state.trigger, state.origin.kind, state.factsAt, event.seq, JSON.stringify(state), state.createdAt, event.at],
    },
    state.id,
    event,
  );
  await auditEvent(q, PROPOSALS, state.id, state.status, event);
}

/** The outcome rows of a closed proposal (one per body and person, and the unit's); written once. */
export async function writeProposalOutcomes(q: Queryable, rows: OutcomeRow[]): Promise<void> {
  for (const r of rows) {
    await q.query(
      `INSERT INTO accountability_outcomes
         (proposal_id, unit_id, person_id, responsibility, body, decision, measures, review_opened, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9) ON CONFLICT DO NOTHING`,
      [r.proposalId, r.unitId, r.personId, r.responsibility, r.body, r.decision, r.measures, r.reviewOpened, r.decidedAt],
    );
  }
}

/** What a proposal's message needs of its row. */
export async function getProposalHeader(db: Queryable, id: string): Promise<{ unit_id: string; trigger: ProposalState['trigger'] } | null> {
  const r = await db.query<{ unit_id: string; trigger: ProposalState['trigger'] }>('SELECT unit_id, trigger FROM accountability_proposals WHERE id = $1', [id]);
  return r.rows[0] ?? null;
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

export function getProposal(db: Queryable, id: string): Promise<{ state: ProposalState; unitName: string } | null> {
  return getStateRow<ProposalState>(db, PROPOSALS, id);
}

export function getProposalTimeline(db: Queryable, id: string): Promise<TimelineEntry[]> {
  return getTimelineOf(db, PROPOSALS, id);
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
