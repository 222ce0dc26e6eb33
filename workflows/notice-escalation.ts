/**
 * The notice's escalation up the leadership chain (逐级督办), run inside the notice's workflow (so
 * an accepted report ends it in the same step): a missed deadline starts it at level 1, each level
 * is resolved from the organisation when it is reached, the leader's decision or its timeout moves
 * it on, and a leader at level 3–5 may start an accountability proposal as a child workflow.
 * The rules are domain/escalation.ts; this module only orchestrates them.
 */
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { NoticeActivities, NotifyRequest, ProposalActivities } from '../activities/types';
import type { NoticeEventType } from '../domain/events';
import { SYSTEM_ACTOR, isTerminal, type Actor, type NoticeInput, type NoticeState, type OverdueKind } from '../domain/notice';
import {
  type Escalation,
  type EscalationDecisionInput,
  type EscalationEndReason,
  type EscalationTimer,
  activeEscalation,
  climb,
  currentStep,
  endEscalation,
  leadersAsked,
  recordDecision,
  startEscalation,
} from '../domain/escalation';
import { dueBecause, explicitDeadline } from '../domain/explicit-deadline';
import { proposalWorkflow } from './proposal';
import { proposalWorkflowId } from './proposal-definitions';

/** What the escalation needs of the notice's workflow. */
export interface NoticeContext {
  state: NoticeState;
  input: NoticeInput;
  acts: Pick<NoticeActivities, 'planEscalation'> & Pick<ProposalActivities, 'prepareProposal'>;
  record: (type: NoticeEventType, actor: Actor, data?: Record<string, unknown>) => Promise<void>;
  notify: (kind: NotifyRequest['kind'], audience: NotifyRequest['audience'], params?: NotifyRequest['params']) => Promise<void>;
  unitContacts: () => NotifyRequest['audience'];
  office: () => NotifyRequest['audience'];
  now: () => string;
}

function endReasonFor(state: NoticeState): EscalationEndReason {
  if (state.status === 'closed') return 'rectification_accepted';
  if (state.status === 'withdrawn') return 'withdrawn';
  return 'back_on_time';
}

export function noticeEscalation(ctx: NoticeContext) {
  const { state, acts, record, notify, unitContacts, office, now: nowIso } = ctx;

  /** A missed deadline starts an escalation at level 1, unless one is already running. */
  async function onOverdue(kind: OverdueKind): Promise<void> {
    if (activeEscalation(state)) return;
    const e = startEscalation(state, kind, nowIso());
    await escalateFrom(e, 1);
  }

  /** Reaches the next level from `fromLevel`, resolving who holds each role right now. */
  async function escalateFrom(e: Escalation, fromLevel: number): Promise<void> {
    const plan = state.escalationPlan;
    const { resolved, decideBy } = await acts.planEscalation({
      unitId: state.unitId,
      fromLevel,
      decideWithin: plan.decideWithin,
      workingDays: plan.workingDays,
      allowDelegates: plan.allowDelegates ?? false,
    });
    if (e.status === 'ended') return; // ended meanwhile (e.g. the report was accepted)
    const now = nowIso();
    const before = e.steps.length;
    const step = climb(e, resolved, now, () => decideBy);
    const skipped = e.steps
      .slice(before)
      .filter((x) => x.outcome.startsWith('skipped'))
      .map((x) => ({ level: x.level, role: x.role, assigneeId: x.assigneeId, outcome: x.outcome }));
    if (!step) {
      endEscalation(e, 'chain_exhausted', now);
      await record('escalation_ended', SYSTEM_ACTOR, { escalationId: e.id, reason: 'chain_exhausted', skipped });
      await notify('escalation_ended', [...office(), { personIds: leadersAsked(e) }], { reason: 'chain_exhausted', escalationId: e.id });
      return;
    }
    await record('escalated', SYSTEM_ACTOR, {
      escalationId: e.id,
      level: step.level,
      role: step.role,
      assigneeId: step.assigneeId,
      ...(step.delegateIds?.length ? { delegateIds: step.delegateIds } : {}),
      decideBy: step.decideBy?.at ?? null,
      skipped,
    });
    await notify('decision_needed', [{ personIds: [step.assigneeId!, ...(step.delegateIds ?? [])] }], {
      escalationId: e.id,
      level: step.level,
      decideBy: step.decideBy?.at ?? null,
    });
    await notify('escalated', unitContacts(), { escalationId: e.id, level: step.level });
  }

  /** Ends the running escalation once the notice is on time again, closed or withdrawn. */
  async function settle(reason?: EscalationEndReason, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const e = activeEscalation(state);
    if (!e) return;
    if (!reason && !isTerminal(state.status) && state.overdue !== null) return;
    const why = reason ?? endReasonFor(state);
    endEscalation(e, why, nowIso());
    await record('escalation_ended', actor, { escalationId: e.id, reason: why, proposalId: e.proposalId ?? null });
    await notify('escalation_ended', [{ personIds: leadersAsked(e) }], { escalationId: e.id, reason: why });
  }

  /**
   * A leader at level 3–5 proposes accountability: the proposal gets its own workflow, started as
   * a child that outlives this notice (ABANDON), with the attribution computed from the
   * organisation as it was when the deadline was missed.
   */
  async function proposeAccountability(e: Escalation, actor: Actor, comment: string): Promise<string> {
    const step = e.steps[e.steps.length - 1];
    const factsAt = e.startedAt;
    const { id, attribution } = await acts.prepareProposal({
      unitId: state.unitId,
      factsAt,
      partiesConcerned: [],
      sourceKey: `escalation:${e.id}`,
      // Proposal numbers carry the same deployment prefix as the notice's (HEU-2026-0001 → HEU-P2026-0001).
      idPrefix: /^([A-Z][A-Z0-9]{0,9})-\d{4}-/.exec(state.id)?.[1],
    });
    await startChild(proposalWorkflow, {
      workflowId: proposalWorkflowId(id),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          id,
          unitId: state.unitId,
          trigger: 'concealment_or_unrectified',
          facts: `${comment}\n（整改通知 ${state.id}「${state.title}」逾期未整改，经第${step.level}级领导提出问责。）`,
          factsAt,
          noticeIds: [state.id],
          evidence: state.rectifications.flatMap((r) => r.evidence.map((x) => ({ name: x.name, sha256: x.sha256 }))),
          origin: { kind: 'escalation', noticeId: state.id, level: step.level, leaderId: actor.id },
          attribution,
          createdAt: nowIso(),
          createdBy: { id: actor.id, name: actor.name },
          timing: ctx.input.proposalTiming,
        },
      ],
    });
    return id;
  }

  /** A timed event of the escalation: the leader's reminder, their decision's timeout, supervision lapsing. */
  async function fire(timer: EscalationTimer): Promise<void> {
    const e = activeEscalation(state)!;
    const step = currentStep(e)!;
    if (timer.kind === 'decision_reminder') {
      (step.remindersSent ??= []).push(timer.offsetMs);
      await record('escalation_reminder', SYSTEM_ACTOR, { escalationId: e.id, level: step.level, assigneeId: step.assigneeId });
      await notify('escalation_reminder', [{ personIds: [step.assigneeId!, ...(step.delegateIds ?? [])] }], {
        escalationId: e.id,
        level: step.level,
        decideBy: step.decideBy?.at ?? null,
      });
      return;
    }
    if (timer.kind === 'decision_timeout') {
      step.outcome = 'timed_out';
      await record('escalation_timed_out', SYSTEM_ACTOR, { escalationId: e.id, level: step.level, assigneeId: step.assigneeId });
    } else {
      step.outcome = 'decided';
      await record('supervision_lapsed', SYSTEM_ACTOR, { escalationId: e.id, level: step.level, until: e.superviseUntil ?? null });
    }
    await escalateFrom(e, step.level + 1);
  }

  /** A leader's decision (督办、上报、延期、提出问责), already validated. */
  async function decide(actor: Actor, decision: EscalationDecisionInput): Promise<void> {
    const e = state.escalations.find((x) => x.id === decision.escalationId)!;
    const now = nowIso();
    const step = recordDecision(e, actor, decision, now);
    const data = {
      escalationId: e.id,
      level: step.level,
      decision: decision.decision,
      until: step.decision?.until ?? null,
      comment: step.decision?.comment ?? '',
      ...(step.decision?.onBehalfOf ? { onBehalfOf: step.decision.onBehalfOf } : {}),
    };
    switch (decision.decision) {
      case 'supervise':
        await record('escalation_decided', actor, data);
        await notify('escalation_decided', unitContacts(), data);
        break;
      case 'escalate':
        await record('escalation_decided', actor, data);
        await escalateFrom(e, step.level + 1);
        break;
      case 'extend':
        state.rectifyBy = explicitDeadline(decision.until!, 'extension', now, dueBecause({
          zh: `第${step.level}级领导决定延期`,
          en: `Extended by the level ${step.level} leader`,
        }));
        if (state.overdue === 'rectify') state.overdue = null;
        await record('escalation_decided', actor, data);
        await notify('escalation_decided', unitContacts(), data);
        await settle('extended', actor);
        break;
      case 'propose_accountability':
        await record('escalation_decided', actor, data);
        e.proposalId = await proposeAccountability(e, actor, step.decision!.comment);
        await settle('accountability_proposed', actor);
        break;
    }
  }

  return { onOverdue, settle, fire, decide };
}
