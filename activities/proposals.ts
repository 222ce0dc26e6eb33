/**
 * Activities of the accountability proposal workflow: thin adapters onto db/ (the rows,
 * db/proposals.ts) and the notification outbox. All idempotent: the timeline is keyed by
 * (proposal, seq), the state row only moves forward, outcome rows are unique per (proposal, body,
 * person), inbox rows are keyed by dedupe_key, and numbers are allocated once per source key.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client';
import { getAudience, getPeople, getUnit } from '../db/org';
import { enqueueNotifications } from '../notifications/outbox';
import { allocateProposalId, attributionAtFacts, getProposalHeader, writeProposalEvent, writeProposalOutcomes } from '../db/proposals';
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
      await db.tx((q) => writeProposalEvent(q, state, event));
    },

    async recordProposalOutcome({ state }: { state: ProposalState }) {
      const rows = outcomeRows(state);
      await db.tx((q) => writeProposalOutcomes(q, rows));
      return { rows: rows.length };
    },

    async notifyProposal(req: ProposalNotifyRequest) {
      const row = await getProposalHeader(db, req.proposalId);
      if (!row) throw new Error(`proposal ${req.proposalId} is not recorded yet`);
      const [unit, people] = await Promise.all([getUnit(db, row.unit_id), getAudience(db, req.audience)]);
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
