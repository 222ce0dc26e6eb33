/**
 * One workflow per rectification notice (整改通知). It owns the notice's state and clocks:
 * human actions arrive as updates (validated first, so a refused action fails at once with a clear
 * message), deadlines and reminders are durable timers, and every transition is recorded in the
 * database through an idempotent activity before the update returns — so the API can answer with
 * what it reads back.
 */
import {
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  ParentClosePolicy,
  patched,
  startChild,
} from '@temporalio/workflow';
import type { NoticeActivities, NotifyRequest, ProposalActivities } from '../activities/types';
import type { NoticeEvent, NoticeEventType } from '../domain/events';
import {
  type Actor,
  type ExtensionDecisionInput,
  type ExtensionInput,
  type NoticeInput,
  type RectificationReport,
  type ReviewInput,
  type NoticeState,
  type TimerEvent,
  SYSTEM_ACTOR,
  acknowledge,
  checkAcknowledge,
  checkDecideExtension,
  checkRequestExtension,
  checkReview,
  checkSubmitRectification,
  checkWithdraw,
  decideExtension,
  initialState,
  isTerminal,
  markOverdue,
  nextTimer,
  requestExtension,
  review,
  submitRectification,
  withdraw,
} from '../domain/notice';
import { dueBecause, explicitDeadline } from '../domain/explicit-deadline';
import { requireGrant } from '../domain/access';
import {
  type Escalation,
  type EscalationDecisionInput,
  type EscalationEndReason,
  type EscalationTimer,
  activeEscalation,
  checkEscalationDecision,
  climb,
  currentStep,
  endEscalation,
  leadersAsked,
  nextEscalationTimer,
  recordDecision,
  startEscalation,
} from '../domain/escalation';
import { applyLeaderExtension, applyRecomputedDeadlines, checkRecomputeDeadlines, keepAtTop, nextLevelAfter, type RecomputedDeadlines } from '../domain/overdue-rules';
import { reviewPauseDeadline } from '../domain/review-pause';
import {
  acknowledgeUpdate,
  decideEscalationUpdate,
  decideExtensionUpdate,
  issuedUpdate,
  requestExtensionUpdate,
  reviewUpdate,
  recomputeDeadlinesUpdate,
  stateQuery,
  submitRectificationUpdate,
  withdrawUpdate,
} from './definitions';
import { ActivityFailure, NOT_RECORDED_PATCH, notRecorded, notRecordedFailure, RECORD_ACTIVITY_OPTIONS, validate } from './common';
import { SA_ESCALATION_LEVEL, SA_OVERDUE, SA_STATUS } from './search-attributes';
import { proposalWorkflow } from './proposal';
import { proposalWorkflowId } from './proposal-definitions';

/**
 * Patch: a reminder is recorded and sent by one activity (recordAndNotify) instead of two, without
 * a search attribute upsert. Workflows whose reminder fired before this code replay the old path.
 */
const REMINDER_ONE_ACTIVITY = 'reminder-one-activity';

const acts = proxyActivities<NoticeActivities & Pick<ProposalActivities, 'prepareProposal'>>(RECORD_ACTIVITY_OPTIONS);


function nowIso(): string {
  return new Date().toISOString();
}

const SENT_BACK = { zh: '审核退回时重新指定', en: 'Set anew when the report was sent back' };
const EXTENSION_APPROVED = { zh: '领导小组办公室批准延期', en: 'Extension approved by the office' };

function endReasonFor(state: NoticeState): EscalationEndReason {
  if (state.status === 'closed') return 'rectification_accepted';
  if (state.status === 'withdrawn') return 'withdrawn';
  return 'back_on_time';
}

/** Notices started before issue 12's rules keep the commands they were started with (see README, changing workflow code). */
const ISSUE_12 = 'issue-12-overdue-rules';

export async function noticeWorkflow(input: NoticeInput): Promise<NoticeState> {
  const v12 = patched(ISSUE_12);
  const state = initialState(input);
  let issuedRecorded = false;
  let recording: Promise<void> = Promise.resolve();

  /** Records an event; records are written in order, one after another. */
  function record(type: NoticeEventType, actor: Actor, data: Record<string, unknown> = {}): Promise<void> {
    state.version += 1;
    const event: NoticeEvent = { seq: state.version, type, actorId: actor.id, at: nowIso(), data };
    const snapshot = JSON.parse(JSON.stringify(state)) as NoticeState;
    recording = recording.then(() => acts.recordNoticeEvent({ state: snapshot, event }));
    upsertSearchAttributes([
      { key: SA_STATUS, value: state.status },
      { key: SA_OVERDUE, value: state.overdue ?? 'none' },
      { key: SA_ESCALATION_LEVEL, value: activeEscalation(state)?.level ?? 0 },
    ]);
    return recording;
  }

  /**
   * A system event and its message in one activity. Only for events that change none of the search
   * attributes (a reminder), so nothing is upserted.
   */
  function recordAndNotify(
    type: NoticeEventType,
    data: Record<string, unknown>,
    kind: NotifyRequest['kind'],
    audience: NotifyRequest['audience'],
    params: NotifyRequest['params'],
  ): Promise<void> {
    state.version += 1;
    const event: NoticeEvent = { seq: state.version, type, actorId: SYSTEM_ACTOR.id, at: nowIso(), data };
    const snapshot = JSON.parse(JSON.stringify(state)) as NoticeState;
    const request: NotifyRequest = { key: `${state.id}#${state.version}:${kind}`, kind, noticeId: state.id, audience, params };
    recording = recording.then(async () => void (await acts.recordAndNotify({ state: snapshot, event, notify: request })));
    return recording;
  }

  async function notify(kind: NotifyRequest['kind'], audience: NotifyRequest['audience'], params: NotifyRequest['params'] = {}) {
    await acts.notify({ key: `${state.id}#${state.version}:${kind}`, kind, noticeId: state.id, audience, params });
  }

  const unitContacts = (): NotifyRequest['audience'] => [
    { unitId: state.unitId, unitRoles: ['liaison', 'direct_responsible'] },
  ];
  const office = (): NotifyRequest['audience'] => [{ universityRoles: ['office'] }];

  setHandler(stateQuery, () => state);

  setHandler(issuedUpdate, async () => {
    await condition(() => issuedRecorded || state.notRecorded !== undefined);
    if (state.notRecorded) throw notRecordedFailure('not_issued', state.notRecorded);
    return state;
  });

  setHandler(
    acknowledgeUpdate,
    async ({ actor }) => {
      acknowledge(state, actor, nowIso());
      await record('acknowledged', actor);
      await notify('acknowledged', office());
      await settleEscalation();
      return state;
    },
    { validator: ({ actor }: { actor: Actor }) => validate(() => {
          requireGrant(actor, 'notice.acknowledge', state.unitId);
          checkAcknowledge(state, actor);
        }) },
  );

  setHandler(
    submitRectificationUpdate,
    async ({ actor, report }) => {
      const r = submitRectification(state, actor, report, nowIso());
      await record('rectification_submitted', actor, { round: r.round, evidence: r.evidence.length });
      await notify('report_submitted', office(), { round: r.round });
      return state;
    },
    {
      validator: ({ actor, report }: { actor: Actor; report: RectificationReport }) =>
        validate(() => {
          requireGrant(actor, 'notice.report', state.unitId);
          checkSubmitRectification(state, actor, report);
        }),
    },
  );

  setHandler(
    reviewUpdate,
    async ({ actor, review: input }) => {
      const now = nowIso();
      const pause = input.decision === 'reject' && !input.rectifyBy && v12 ? reviewPauseDeadline(state, now) : undefined;
      const newDeadline =
        input.decision === 'reject' && input.rectifyBy
          ? explicitDeadline(input.rectifyBy, 'explicit', now, dueBecause(SENT_BACK))
          : pause;
      review(state, actor, input, now, newDeadline);
      const accepted = input.decision === 'accept';
      await record(accepted ? 'review_accepted' : 'review_rejected', actor, {
        round: state.rectifications.length,
        comment: input.comment ?? '',
        ...(newDeadline ? { rectifyBy: newDeadline.at } : {}),
        ...(pause ? { reviewPause: pause.explanation.reviewPause } : {}),
      });
      await notify('review_outcome', unitContacts(), {
        decision: input.decision,
        comment: input.comment ?? '',
        rectifyBy: state.rectifyBy.at,
      });
      await settleEscalation();
      return state;
    },
    {
      validator: ({ actor, review: input }: { actor: Actor; review: ReviewInput }) =>
        validate(() => {
          requireGrant(actor, 'notice.review', state.unitId);
          checkReview(state, actor, input, Date.now());
        }),
    },
  );

  setHandler(
    withdrawUpdate,
    async ({ actor, reason }) => {
      withdraw(state, actor, reason, nowIso());
      await record('withdrawn', actor, { reason });
      await notify('withdrawn', unitContacts(), { reason });
      await settleEscalation();
      return state;
    },
    { validator: ({ actor, reason }: { actor: Actor; reason: string }) => validate(() => {
          requireGrant(actor, 'notice.withdraw', state.unitId);
          checkWithdraw(state, actor, reason);
        }) },
  );

  setHandler(
    requestExtensionUpdate,
    async ({ actor, request }) => {
      const req = requestExtension(state, actor, request, nowIso());
      await record('extension_requested', actor, { requestId: req.id, until: req.until, reason: req.reason });
      await notify('extension_requested', office(), { until: req.until, reason: req.reason });
      return state;
    },
    {
      validator: ({ actor, request }: { actor: Actor; request: ExtensionInput }) =>
        validate(() => {
          requireGrant(actor, 'notice.requestExtension', state.unitId);
          checkRequestExtension(state, actor, request, Date.now());
        }),
    },
  );

  setHandler(
    decideExtensionUpdate,
    async ({ actor, decision }) => {
      const now = nowIso();
      const pending = state.extensions.find((e) => e.id === decision.requestId)!;
      const newDeadline =
        decision.decision === 'approve' ? explicitDeadline(pending.until, 'extension', now, dueBecause(EXTENSION_APPROVED)) : undefined;
      const req = decideExtension(state, actor, decision, now, newDeadline);
      await record(req.status === 'approved' ? 'extension_approved' : 'extension_denied', actor, {
        requestId: req.id,
        until: req.until,
        comment: req.comment ?? '',
      });
      await notify('extension_decided', unitContacts(), {
        decision: decision.decision,
        until: req.until,
        comment: req.comment ?? '',
      });
      await settleEscalation();
      return state;
    },
    {
      validator: ({ actor, decision }: { actor: Actor; decision: ExtensionDecisionInput }) =>
        validate(() => {
          requireGrant(actor, 'notice.decideExtension', state.unitId);
          checkDecideExtension(state, actor, decision);
        }),
    },
  );

  setHandler(
    recomputeDeadlinesUpdate,
    async ({ actor, deadlines }) => {
      const changes = applyRecomputedDeadlines(state, deadlines, nowIso());
      await record('deadlines_recomputed', actor, changes);
      await settleEscalation();
      return state;
    },
    {
      validator: ({ actor, deadlines }: { actor: Actor; deadlines: RecomputedDeadlines }) =>
        validate(() => {
          requireGrant(actor, 'notice.recomputeDeadlines', state.unitId);
          checkRecomputeDeadlines(state, deadlines);
        }),
    },
  );

  async function fire(timer: TimerEvent): Promise<void> {
    if (timer.kind === 'reminder') {
      state.remindersSent.push(timer.key);
      const deadline = timer.deadline === 'acknowledge' ? state.acknowledgeBy : state.rectifyBy;
      if (patched(REMINDER_ONE_ACTIVITY)) {
        await recordAndNotify('reminder_sent', { deadline: timer.deadline, due: deadline.at }, 'reminder', unitContacts(), {
          deadline: timer.deadline,
          due: deadline.at,
        });
      } else {
        await record('reminder_sent', SYSTEM_ACTOR, { deadline: timer.deadline, due: deadline.at });
        await notify('reminder', unitContacts(), { deadline: timer.deadline, due: deadline.at });
      }
      return;
    }
    if (!markOverdue(state, timer.deadline)) return;
    const deadline = timer.deadline === 'acknowledge' ? state.acknowledgeBy : state.rectifyBy;
    await record('overdue', SYSTEM_ACTOR, { deadline: timer.deadline, due: deadline.at });
    await notify('overdue', [...unitContacts(), ...office()], { deadline: timer.deadline, due: deadline.at });
    await onOverdue(timer.deadline);
  }

  // ---- Escalation up the leadership chain ----

  /** A missed deadline starts an escalation at level 1, unless one is already running. */
  async function onOverdue(kind: TimerEvent['deadline']): Promise<void> {
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
    if (!step && v12) {
      // Nobody above: the escalation stays with the highest leader asked (never out of every clock).
      const again = keepAtTop(e, now, decideBy);
      await record('escalated', SYSTEM_ACTOR, {
        escalationId: e.id,
        level: again.level,
        role: again.role,
        assigneeId: again.assigneeId,
        again: true,
        decideBy: again.decideBy?.at ?? null,
        skipped,
      });
      if (again.assigneeId) {
        await notify('decision_needed', [{ personIds: [again.assigneeId, ...(again.delegateIds ?? [])] }], {
          escalationId: e.id,
          level: again.level,
          decideBy: again.decideBy?.at ?? null,
        });
      }
      return;
    }
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
  async function settleEscalation(reason?: EscalationEndReason, actor: Actor = SYSTEM_ACTOR): Promise<void> {
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
          origin: { kind: 'escalation', noticeId: state.id, level: step.level, leaderId: actor.id, asked: leadersAsked(e) },
          attribution,
          createdAt: nowIso(),
          createdBy: { id: actor.id, name: actor.name },
          timing: input.proposalTiming,
        },
      ],
    });
    return id;
  }

  async function fireEscalation(timer: EscalationTimer): Promise<void> {
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
    await escalateFrom(e, v12 ? nextLevelAfter(step) : step.level + 1);
  }

  setHandler(
    decideEscalationUpdate,
    async ({ actor, decision }) => {
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
          if (v12) {
            // On an acknowledgement overdue the acknowledgement deadline moves (issue 12).
            const { moved } = applyLeaderExtension(state, step.level, decision.until!, now);
            await record('escalation_decided', actor, { ...data, moved, acknowledgeBy: state.acknowledgeBy.at, rectifyBy: state.rectifyBy.at });
          } else {
            state.rectifyBy = explicitDeadline(decision.until!, 'extension', now, dueBecause({
              zh: `第${step.level}级领导决定延期`,
              en: `Extended by the level ${step.level} leader`,
            }));
            if (state.overdue === 'rectify') state.overdue = null;
            await record('escalation_decided', actor, data);
          }
          await notify('escalation_decided', unitContacts(), data);
          await settleEscalation('extended', actor);
          break;
        case 'propose_accountability':
          await record('escalation_decided', actor, data);
          e.proposalId = await proposeAccountability(e, actor, step.decision!.comment);
          await settleEscalation('accountability_proposed', actor);
          break;
      }
      return state;
    },
    {
      validator: ({ actor, decision }: { actor: Actor; decision: EscalationDecisionInput }) =>
        validate(() => checkEscalationDecision(state, actor, decision, state.escalationPlan, Date.now())),
    },
  );

  try {
    await record('issued', input.issuedBy, {
      acknowledgeBy: state.acknowledgeBy,
      rectifyBy: state.rectifyBy,
    });
  } catch (err) {
    // The first record failed for good (data the database refuses, or the retry bound reached):
    // the notice ends as not issued, recorded for the office, instead of a workflow that fails
    // unseen. Histories from before this path existed replay as they ran (they failed here).
    if (!(err instanceof ActivityFailure) || !patched(NOT_RECORDED_PATCH)) throw err;
    state.status = 'not_issued';
    state.notRecorded = notRecorded(err, nowIso(), { zh: '整改通知', en: 'notice' });
    state.version += 1;
    upsertSearchAttributes([{ key: SA_STATUS, value: state.status }]);
    await acts.recordNotIssued({
      state: JSON.parse(JSON.stringify(state)) as NoticeState,
      event: { seq: state.version, type: 'not_issued', actorId: SYSTEM_ACTOR.id, at: state.notRecorded.at, data: { reason: state.notRecorded.en, error: state.notRecorded.error } },
    });
    await condition(allHandlersFinished);
    return state;
  }
  issuedRecorded = true;
  const newNoticeAudience: NotifyRequest['audience'] = input.newNoticeRoles
    ? [{ unitId: state.unitId, unitRoles: input.newNoticeRoles }]
    : unitContacts();
  await notify('new_notice', newNoticeAudience, { acknowledgeBy: state.acknowledgeBy.at, rectifyBy: state.rectifyBy.at });

  while (!isTerminal(state.status)) {
    const seen = state.version;
    const timer = nextTimer(state);
    const escTimer = nextEscalationTimer(state, state.escalationPlan);
    const next = escTimer && (!timer || escTimer.at < timer.at) ? escTimer : timer;
    if (!next) {
      await condition(() => state.version !== seen);
      continue;
    }
    const wait = next.at - Date.now();
    if (wait > 0 && (await condition(() => state.version !== seen, wait))) continue;
    if (next === escTimer) await fireEscalation(escTimer);
    else await fire(next as TimerEvent);
  }

  // Let the update that ended the notice finish recording and answer its caller.
  await recording;
  await condition(allHandlersFinished);
  return state;
}
