/**
 * Escalation up the leadership chain (逐级督办), inside the notice's workflow: a missed deadline
 * starts it at level 1; each level is resolved from the organisation when it is reached (vacancies
 * and people already asked are skipped); a leader's window has reminders and a timeout; a leader
 * supervises, escalates, extends or proposes accountability (a child workflow that outlives the
 * notice); and it ends when the notice is on time again, closed or withdrawn. Workflow code:
 * deterministic, every step recorded through the notice's recorder.
 *
 * Why inside the notice's workflow rather than a child: its timers and the notice's state change
 * together (an accepted report ends it in the same step; a leader's extension moves the notice's
 * deadline), so one workflow keeps them consistent without signals that could race.
 */
import { ParentClosePolicy, patched, proxyActivities, startChild } from '@temporalio/workflow';
import type { NoticeActivities, NotifyRequest, ProposalActivities } from '../activities/types';
import { dueBecause, explicitDeadline } from '../domain/explicit-deadline';
import {
  type Escalation,
  type EscalationDecisionInput,
  type EscalationEndReason,
  type EscalationStep,
  type EscalationTimer,
  activeEscalation,
  checkEscalationDecision,
  climb,
  currentStep,
  endEscalation,
  leadersAsked,
  recordDecision,
  startEscalation,
} from '../domain/escalation';
import { isTerminal, SYSTEM_ACTOR, type Actor, type NoticeInput, type NoticeState, type TimerEvent } from '../domain/notice';
import { applyLeaderExtension, keepAtTop, nextLevelAfter } from '../domain/overdue-rules';
import type { ActionSteps } from './actions';
import { nowIso, RECORD_ACTIVITY_OPTIONS } from './common';
import type { Message, NoticeRecorder } from './notice-recorder';
import { proposalWorkflow } from './proposal';
import { proposalWorkflowId } from './proposal-definitions';

/** Patch id: an overdue starts an escalation only if the notice is still overdue on that deadline. */
const ESCALATE_ONLY_WHILE_OVERDUE = 'escalate-only-while-overdue';

const acts = proxyActivities<Pick<NoticeActivities, 'planEscalation'> & Pick<ProposalActivities, 'prepareProposal'>>(RECORD_ACTIVITY_OPTIONS);

export interface NoticeEscalation {
  /** A missed deadline starts an escalation at level 1, unless one is already running. */
  onOverdue(kind: TimerEvent['deadline']): Promise<void>;
  /** Ends the running escalation once the notice is on time again, closed or withdrawn (or for `reason`). */
  settle(reason?: EscalationEndReason, actor?: Actor): Promise<void>;
  /** A leader's reminder, decision timeout or end of supervision has come. */
  fire(timer: EscalationTimer): Promise<void>;
  /** The leader's decision, as an action: the domain's check decides who may take it (the person the level asked). */
  decision: ActionSteps<NoticeState, { actor: Actor; decision: EscalationDecisionInput }, Decided>;
}

interface Decided {
  e: Escalation;
  step: EscalationStep;
  /** What the decision's event and message carry. */
  data: NotifyRequest['params'];
  /** Under issue 12's rules an extension's event also says which deadlines moved. */
  extended?: Record<string, unknown>;
}

export interface EscalationOptions {
  /** Issue 12's rules (patch `issue-12-overdue-rules`): the top of the chain is asked again; a leader's extension moves the deadline that was missed. */
  v12: boolean;
  proposalTiming: NoticeInput['proposalTiming'];
}

function endReasonFor(state: NoticeState): EscalationEndReason {
  if (state.status === 'closed') return 'rectification_accepted';
  if (state.status === 'withdrawn') return 'withdrawn';
  return 'back_on_time';
}

export function noticeEscalation(rec: NoticeRecorder, { v12, proposalTiming }: EscalationOptions): NoticeEscalation {
  const { state, record, step: recordStep, unitContacts, office } = rec;

  async function onOverdue(kind: TimerEvent['deadline']): Promise<void> {
    if (activeEscalation(state)) return;
    // The overdue was recorded and sent first: an acknowledgement, an extension or a withdrawal may
    // have come meanwhile. Started now, the escalation would chase a notice that is on time again,
    // and nothing would end it. (Histories from before this check replay as they ran.)
    if ((state.overdue !== kind || state.status === 'closed' || state.status === 'withdrawn') && patched(ESCALATE_ONLY_WHILE_OVERDUE)) return;
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
    if (!step && v12) {
      // Nobody above: the escalation stays with the highest leader asked (never out of every clock).
      const again = keepAtTop(e, now, decideBy);
      const data = { escalationId: e.id, level: again.level, role: again.role, assigneeId: again.assigneeId, again: true, decideBy: again.decideBy?.at ?? null, skipped };
      const asked: Message[] = again.assigneeId
        ? [{ kind: 'decision_needed', audience: [{ personIds: [again.assigneeId, ...(again.delegateIds ?? [])] }], params: { escalationId: e.id, level: again.level, decideBy: again.decideBy?.at ?? null } }]
        : [];
      await recordStep('escalated', SYSTEM_ACTOR, data, asked);
      return;
    }
    if (!step) {
      endEscalation(e, 'chain_exhausted', now);
      await recordStep('escalation_ended', SYSTEM_ACTOR, { escalationId: e.id, reason: 'chain_exhausted', skipped }, [
        { kind: 'escalation_ended', audience: [...office(), { personIds: leadersAsked(e) }], params: { reason: 'chain_exhausted', escalationId: e.id } },
      ]);
      return;
    }
    const data = {
      escalationId: e.id,
      level: step.level,
      role: step.role,
      assigneeId: step.assigneeId,
      ...(step.delegateIds?.length ? { delegateIds: step.delegateIds } : {}),
      decideBy: step.decideBy?.at ?? null,
      skipped,
    };
    await recordStep('escalated', SYSTEM_ACTOR, data, [
      { kind: 'decision_needed', audience: [{ personIds: [step.assigneeId!, ...(step.delegateIds ?? [])] }], params: { escalationId: e.id, level: step.level, decideBy: step.decideBy?.at ?? null } },
      { kind: 'escalated', audience: unitContacts(), params: { escalationId: e.id, level: step.level } },
    ]);
  }

  async function settle(reason?: EscalationEndReason, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const e = activeEscalation(state);
    if (!e) return;
    if (!reason && !isTerminal(state.status) && state.overdue !== null) return;
    const why = reason ?? endReasonFor(state);
    endEscalation(e, why, nowIso());
    await recordStep('escalation_ended', actor, { escalationId: e.id, reason: why, proposalId: e.proposalId ?? null }, [
      { kind: 'escalation_ended', audience: [{ personIds: leadersAsked(e) }], params: { escalationId: e.id, reason: why } },
    ]);
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
          origin: { kind: 'escalation', noticeId: state.id, level: step.level, leaderId: actor.id, asked: leadersAsked(e) },
          attribution,
          createdAt: nowIso(),
          createdBy: { id: actor.id, name: actor.name },
          timing: proposalTiming,
        },
      ],
    });
    return id;
  }

  async function fire(timer: EscalationTimer): Promise<void> {
    const e = activeEscalation(state)!;
    const step = currentStep(e)!;
    if (timer.kind === 'decision_reminder') {
      (step.remindersSent ??= []).push(timer.offsetMs);
      await recordStep('escalation_reminder', SYSTEM_ACTOR, { escalationId: e.id, level: step.level, assigneeId: step.assigneeId }, [
        { kind: 'escalation_reminder', audience: [{ personIds: [step.assigneeId!, ...(step.delegateIds ?? [])] }], params: { escalationId: e.id, level: step.level, decideBy: step.decideBy?.at ?? null } },
      ]);
      return;
    }
    if (timer.kind === 'decision_timeout') {
      step.outcome = 'timed_out';
      await record('escalation_timed_out', SYSTEM_ACTOR, { escalationId: e.id, level: step.level, assigneeId: step.assigneeId });
    } else {
      step.outcome = 'decided';
      await record('supervision_lapsed', SYSTEM_ACTOR, { escalationId: e.id, level: step.level, until: e.superviseUntil ?? null });
    }
    await escalateFrom(e, v12 ? nextLevelAfter(step) : step.level + 1);
  }

  const decision: NoticeEscalation['decision'] = {
    check: ({ actor, decision: d }) => checkEscalationDecision(state, actor, d, state.escalationPlan, Date.now()),
    apply: ({ actor, decision: d }) => {
      const e = state.escalations.find((x) => x.id === d.escalationId)!;
      const now = nowIso();
      const step = recordDecision(e, actor, d, now);
      const data = {
        escalationId: e.id,
        level: step.level,
        decision: d.decision,
        until: step.decision?.until ?? null,
        comment: step.decision?.comment ?? '',
        ...(step.decision?.onBehalfOf ? { onBehalfOf: step.decision.onBehalfOf } : {}),
      };
      if (d.decision !== 'extend') return { e, step, data };
      if (v12) {
        // On an acknowledgement overdue the acknowledgement deadline moves (issue 12).
        const { moved } = applyLeaderExtension(state, step.level, d.until!, now);
        return { e, step, data, extended: { ...data, moved, acknowledgeBy: state.acknowledgeBy.at, rectifyBy: state.rectifyBy.at } };
      }
      state.rectifyBy = explicitDeadline(d.until!, 'extension', now, dueBecause({
        zh: `第${step.level}级领导决定延期`,
        en: `Extended by the level ${step.level} leader`,
      }));
      if (state.overdue === 'rectify') state.overdue = null;
      return { e, step, data };
    },
    record: async ({ actor, decision: d }, { e, step, data, extended }) => {
      switch (d.decision) {
        case 'supervise':
          await recordStep('escalation_decided', actor, data, [{ kind: 'escalation_decided', audience: unitContacts(), params: data }]);
          break;
        case 'escalate':
          await record('escalation_decided', actor, data);
          await escalateFrom(e, step.level + 1);
          break;
        case 'extend':
          await recordStep('escalation_decided', actor, extended ?? data, [{ kind: 'escalation_decided', audience: unitContacts(), params: data }]);
          await settle('extended', actor);
          break;
        case 'propose_accountability':
          await record('escalation_decided', actor, data);
          e.proposalId = await proposeAccountability(e, actor, step.decision!.comment);
          await settle('accountability_proposed', actor);
          break;
      }
      return state;
    },
  };

  return { onOverdue, settle, fire, decision };
}
