/**
 * Activities of the accountability proposal workflow. All idempotent: the timeline is keyed by
 * (proposal, seq), the state row only moves forward, outcome rows are unique per (proposal, body,
 * person), inbox rows are keyed by dedupe_key, and numbers are allocated once per source key.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client';
import { appendAudit } from '../db/audit';
import { getPeople, getUnit, resolveAudience } from '../db/org';
import { enqueueNotifications } from '../notifications/outbox';
import { allocateProposalId, attributionAtFacts } from '../db/proposals';
import { outcomeRows, type ProposalState } from '../domain/accountability';
import { renderProposalMessage } from '../notifications/render';
import type { ProposalEvent } from '../domain/events';
import type { PrepareProposalRequest, ProposalActivities, ProposalNotifyRequest } from './types';
import { storableJson } from '../domain/text';

export interface ProposalActivityDeps {
  db: Db;
  /** Base URL of the web UI, for links in messages. */
  publicUrl: string;
}

export function createProposalActivities({ db, publicUrl }: ProposalActivityDeps): ProposalActivities {
  const activities: ProposalActivities = {
    async recordProposalNotCreated({ state, event }) {
      await activities.recordProposalEvent({ state: storableJson(state), event: storableJson(event) });
    },

    async recordProposalEvent({ state, event }: { state: ProposalState; event: ProposalEvent }) {
      await db.tx(async (q) => {
        await q.query(
          `INSERT INTO accountability_proposals (id, workflow_id, unit_id, status, trigger, origin_kind, facts_at,
             version, state, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (id) DO UPDATE SET
             status = EXCLUDED.status, trigger = EXCLUDED.trigger, version = EXCLUDED.version,
             state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
           WHERE accountability_proposals.version < EXCLUDED.version`,
          [
            state.id,
            `proposal-${state.id}`,
            state.unitId,
            state.status,
            state.trigger,
            state.origin.kind,
            state.factsAt,
            event.seq,
            JSON.stringify(state),
            state.createdAt,
            event.at,
          ],
        );
        await q.query(
          `INSERT INTO proposal_events (proposal_id, seq, type, actor_id, at, data)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (proposal_id, seq) DO NOTHING`,
          [state.id, event.seq, event.type, event.actorId, event.at, JSON.stringify(event.data)],
        );
        // The audit trail, in this transaction and last (it takes the audit lock until commit); the
        // key makes a retried activity append nothing.
        await appendAudit(q, {
          actorId: event.actorId,
          action: `proposal.${event.type}`,
          targetType: 'proposal',
          targetId: state.id,
          idempotencyKey: `proposal:${state.id}:${event.seq}`,
          details: { seq: event.seq, eventAt: event.at, status: state.status, workflowId: `proposal-${state.id}` },
        });
      });
    },

    async recordProposalOutcome({ state }: { state: ProposalState }) {
      const rows = outcomeRows(state);
      await db.tx(async (q) => {
        for (const r of rows) {
          await q.query(
            `INSERT INTO accountability_outcomes
               (proposal_id, unit_id, person_id, responsibility, body, decision, measures, review_opened, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9) ON CONFLICT DO NOTHING`,
            [r.proposalId, r.unitId, r.personId, r.responsibility, r.body, r.decision, r.measures, r.reviewOpened, r.decidedAt],
          );
        }
      });
      return { rows: rows.length };
    },

    async notifyProposal(req: ProposalNotifyRequest) {
      const found = await db.query<{ unit_id: string; trigger: ProposalState['trigger'] }>(
        'SELECT unit_id, trigger FROM accountability_proposals WHERE id = $1',
        [req.proposalId],
      );
      const row = found.rows[0];
      if (!row) throw new Error(`proposal ${req.proposalId} is not recorded yet`);
      const unit = await getUnit(db, row.unit_id);
      const people = await getPeople(db, await resolveAudience(db, req.audience));
      const link = `${publicUrl.replace(/\/$/, '')}/accountability-proposals/${encodeURIComponent(req.proposalId)}`;
      // Through the outbox like every message: in-app always, e-mail per preference. unitId null:
      // decisions about people are never posted in a unit's group chat.
      await enqueueNotifications(db, {
        key: req.key,
        kind: req.kind,
        ref: { kind: 'proposal', id: req.proposalId },
        unitId: null,
        link,
        recipients: people,
        render: (locale) => {
          const unitName = locale === 'en' ? (unit?.nameEn ?? unit?.name ?? row.unit_id) : (unit?.name ?? row.unit_id);
          return renderProposalMessage(req.kind, { proposalId: req.proposalId, unitName, trigger: row.trigger, link, params: req.params }, locale);
        },
      });
      return { recipients: people.length };
    },

    async prepareProposal(req: PrepareProposalRequest) {
      const factsAt = new Date(req.factsAt);
      if (Number.isNaN(factsAt.getTime())) {
        throw ApplicationFailure.create({ type: 'invalid_input', message: `factsAt ${req.factsAt} is not a valid time`, nonRetryable: true });
      }
      const unit = await getUnit(db, req.unitId);
      const known = await getPeople(db, req.partiesConcerned);
      const unknown = req.partiesConcerned.filter((id) => !known.some((p) => p.id === id));
      if (!unit || unknown.length > 0) {
        throw ApplicationFailure.create({
          type: 'invalid_input',
          message: !unit ? `unit ${req.unitId} does not exist` : `unknown persons: ${unknown.join(', ')}`,
          nonRetryable: true,
        });
      }
      const { id } = await allocateProposalId(db, new Date().getUTCFullYear(), req.sourceKey, undefined, req.idPrefix);
      return { id, attribution: await attributionAtFacts(db, req.unitId, factsAt, req.partiesConcerned) };
    },
  };
  return activities;
}
