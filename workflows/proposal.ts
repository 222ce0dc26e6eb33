/**
 * One workflow per accountability proposal (问责建议, Art. 7–8), id `proposal-<id>`. It owns the
 * proposal's state and clocks: office, cybersecurity leader and the two bodies act through
 * validated updates; reminders to whoever holds the proposal are durable timers; every transition
 * is recorded in the database through an idempotent activity before the update returns.
 *
 * Started by the API (office drafts) or as a child of a notice workflow (a leader's "propose
 * accountability" during escalation); `ProposalInput` carries everything it needs.
 */
import {
  allHandlersFinished,
  condition,
  proxyActivities,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ProposalActivities, ProposalNotifyRequest } from '../activities/types';
import type { ProposalEventType } from '../domain/events';
import type { Audience } from '../domain/org';
import {
  type ProposalInput,
  type ProposalState,
  type ProposalTimer,
  PROPOSAL_SYSTEM_ACTOR,
  approveProposal,
  checkApprove,
  checkDecide,
  checkEdit,
  checkSitsOnBody,
  checkRequestApproval,
  checkReturn,
  decideProposal,
  editProposal,
  initialProposalState,
  nextProposalTimer,
  pendingHolders,
  plainDeadline,
  requestApproval,
  returnProposal,
} from '../domain/accountability';
import {
  proposalApproveUpdate,
  proposalCreatedUpdate,
  proposalDecideUpdate,
  proposalEditUpdate,
  proposalRequestApprovalUpdate,
  proposalReturnUpdate,
  proposalStateQuery,
} from './proposal-definitions';
import { actionsOn } from './actions';
import { ActivityFailure, NOT_RECORDED_PATCH, notRecorded, notRecordedFailure, nowIso, RECORD_ACTIVITY_OPTIONS } from './common';
import { SA_STATUS, SA_UNIT } from './search-attributes';

const acts = proxyActivities<ProposalActivities>(RECORD_ACTIVITY_OPTIONS);


const OFFICE: Audience[] = [{ universityRoles: ['office'] }];
const LEADER: Audience[] = [{ universityRoles: ['cybersecurity_leader'] }];
const BOTH_BODIES: Audience[] = [{ universityRoles: ['party_committee', 'discipline_committee'] }];

export async function proposalWorkflow(input: ProposalInput): Promise<ProposalState> {
  const state = initialProposalState(input);
  let createdRecorded = false;
  let recording: Promise<void> = Promise.resolve();

  /** Records an event; records are written in order, one after another. */
  function record(type: ProposalEventType, actor: { id: string }, data: Record<string, unknown> = {}): Promise<void> {
    state.version += 1;
    const event = { seq: state.version, type, actorId: actor.id, at: nowIso(), data };
    const snapshot = JSON.parse(JSON.stringify(state)) as ProposalState;
    recording = recording.then(() => acts.recordProposalEvent({ state: snapshot, event }));
    upsertSearchAttributes([{ key: SA_STATUS, value: state.status }]);
    return recording;
  }

  async function notify(kind: ProposalNotifyRequest['kind'], audience: Audience[], params: ProposalNotifyRequest['params'] = {}) {
    await acts.notifyProposal({ key: `${state.id}#${state.version}:${kind}`, kind, proposalId: state.id, audience, params });
  }

  setHandler(proposalStateQuery, () => state);

  setHandler(proposalCreatedUpdate, async () => {
    await condition(() => createdRecorded || state.notRecorded !== undefined);
    if (state.notRecorded) throw notRecordedFailure('not_created', state.notRecorded);
    return state;
  });

  const action = actionsOn(state);

  action(proposalEditUpdate, {
    grant: 'proposal.edit',
    check: ({ actor, edit }) => checkEdit(state, actor, edit),
    apply: ({ edit }) => {
      const before = JSON.parse(JSON.stringify(state.attribution)) as ProposalState['attribution'];
      return { before, changed: editProposal(state, edit) };
    },
    record: async ({ actor, edit }, { before, changed }) => {
      // A change of the attribution is recorded with its reason and what it was before (Art. 8).
      await record('edited', actor, {
        changed,
        ...(edit.attribution ? { attribution: { reason: edit.attribution.reason.trim(), kinds: edit.attribution.kinds ?? null, before, after: state.attribution } } : {}),
      });
      return state;
    },
  });

  action(proposalRequestApprovalUpdate, {
    grant: 'proposal.edit',
    check: ({ actor, due }) => checkRequestApproval(state, actor, due, Date.now()),
    apply: ({ due }) => {
      const now = nowIso();
      requestApproval(state, now, due ?? plainDeadline(now, state.timing.approveWithinMs, { zh: '审批', en: 'Approval' }));
    },
    record: async ({ actor }) => {
      await record('approval_requested', actor, { approveBy: state.approveBy!.at });
      await notify('proposal_approval_requested', LEADER, { due: state.approveBy!.at });
      return state;
    },
  });

  action(proposalReturnUpdate, {
    grant: 'proposal.approve',
    check: ({ actor, reason }) => checkReturn(state, actor, reason),
    apply: ({ actor, reason }) => returnProposal(state, actor, reason, nowIso()),
    record: async ({ actor, reason }) => {
      await record('returned', actor, { reason: reason.trim() });
      await notify('proposal_returned', OFFICE, { reason: reason.trim() });
      return state;
    },
  });

  action(proposalApproveUpdate, {
    grant: 'proposal.approve',
    check: ({ actor, due }) => checkApprove(state, actor, due, Date.now()),
    apply: ({ actor, comment, due }) => {
      const now = nowIso();
      approveProposal(state, actor, comment, now, due ?? plainDeadline(now, state.timing.decideWithinMs, { zh: '决定', en: 'Decision' }));
    },
    record: async ({ actor }) => {
      await record('approved', actor, { comment: state.approval!.comment, decideBy: state.decideBy!.at });
      await notify('proposal_submitted', BOTH_BODIES, { due: state.decideBy!.at });
      await notify('proposal_approved', OFFICE);
      return state;
    },
  });

  action(proposalDecideUpdate, {
    grant: 'proposal.decide',
    check: ({ actor, decision }) => {
      checkSitsOnBody(actor, decision.body);
      checkDecide(state, actor, decision);
    },
    apply: ({ actor, decision }) => decideProposal(state, actor, decision, nowIso()),
    record: async ({ actor }, d) => {
      await record('decided', actor, { body: d.body, decision: d.decision, reason: d.reason, reviewOpened: d.reviewOpened ?? false });
      await notify('proposal_decided', OFFICE, { body: d.body, decision: d.decision, reason: d.reason });
      if (state.status === 'closed') {
        await record('closed', PROPOSAL_SYSTEM_ACTOR, { reviewOpened: state.outcome!.reviewOpened });
        await acts.recordProposalOutcome({ state: JSON.parse(JSON.stringify(state)) as ProposalState });
        await notify('proposal_closed', [...OFFICE, ...LEADER]);
      }
      return state;
    },
  });

  /** Reminds whoever holds the proposal now: the cybersecurity leader, or the bodies yet to decide. */
  async function remind(timer: ProposalTimer): Promise<void> {
    const holders = pendingHolders(state);
    state.remindersSent.push(...timer.keys);
    const params = { stage: timer.stage, due: timer.due, late: timer.late };
    await record('reminder_sent', PROPOSAL_SYSTEM_ACTOR, { ...params, holders });
    await notify('proposal_reminder', [{ universityRoles: holders }], params);
  }

  upsertSearchAttributes([
    { key: SA_UNIT, value: state.unitId },
    { key: SA_STATUS, value: state.status },
  ]);
  try {
    await record('created', input.createdBy, { origin: state.origin, trigger: state.trigger, factsAt: state.factsAt });
  } catch (err) {
    // As for notices: a first record that failed for good ends the proposal as not created,
    // recorded for the office; older histories replay as they ran.
    if (!(err instanceof ActivityFailure) || !patched(NOT_RECORDED_PATCH)) throw err;
    state.status = 'not_created';
    state.notRecorded = notRecorded(err, nowIso(), { zh: '问责建议', en: 'accountability proposal' });
    state.version += 1;
    upsertSearchAttributes([{ key: SA_STATUS, value: state.status }]);
    await acts.recordProposalNotCreated({
      state: JSON.parse(JSON.stringify(state)) as ProposalState,
      event: { seq: state.version, type: 'not_created', actorId: PROPOSAL_SYSTEM_ACTOR.id, at: state.notRecorded.at, data: { reason: state.notRecorded.en, error: state.notRecorded.error } },
    });
    await condition(allHandlersFinished);
    return state;
  }
  createdRecorded = true;
  if (state.origin.kind === 'escalation') {
    await notify('proposal_drafted', OFFICE, { noticeId: state.origin.noticeId, level: state.origin.level });
  }
  if (state.origin.kind === 'trigger') {
    await notify('proposal_triggered', OFFICE, { rule: state.origin.rule, article: state.origin.article });
  }

  while (state.status !== 'closed') {
    const seen = state.version;
    const timer = nextProposalTimer(state, Date.now());
    if (!timer) {
      await condition(() => state.version !== seen);
      continue;
    }
    const wait = timer.at - Date.now();
    if (wait > 0 && (await condition(() => state.version !== seen, wait))) continue;
    await remind(timer);
  }

  // Let the update that closed the proposal finish recording and answer its caller.
  await recording;
  await condition(allHandlersFinished);
  return state;
}
