/**
 * One workflow per rectification notice (整改通知). It owns the notice's state and clocks:
 * human actions arrive as updates (validated first, so a refused action fails at once with a clear
 * message), deadlines and reminders are durable timers, and every transition is recorded in the
 * database through an idempotent activity before the update returns — so the API can answer with
 * what it reads back. Escalation is notice-escalation.ts; the update registrations go through
 * onAction (actions.ts).
 */
import { allHandlersFinished, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { NoticeActivities, NotifyRequest, ProposalActivities } from '../activities/types';
import type { NoticeEvent, NoticeEventType } from '../domain/events';
import {
  type Actor,
  type NoticeInput,
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
import { activeEscalation, checkEscalationDecision, nextEscalationTimer } from '../domain/escalation';
import { dueBecause, explicitDeadline } from '../domain/explicit-deadline';
import {
  acknowledgeUpdate,
  decideEscalationUpdate,
  decideExtensionUpdate,
  issuedUpdate,
  requestExtensionUpdate,
  reviewUpdate,
  stateQuery,
  submitRectificationUpdate,
  withdrawUpdate,
} from './definitions';
import { RECORD_ACTIVITY_OPTIONS } from './common';
import { onAction } from './actions';
import { noticeEscalation } from './notice-escalation';
import { SA_ESCALATION_LEVEL, SA_OVERDUE, SA_STATUS } from './search-attributes';

const acts = proxyActivities<NoticeActivities & Pick<ProposalActivities, 'prepareProposal'>>(RECORD_ACTIVITY_OPTIONS);

const nowIso = (): string => new Date().toISOString();

const SENT_BACK = { zh: '审核退回时重新指定', en: 'Set anew when the report was sent back' };
const EXTENSION_APPROVED = { zh: '领导小组办公室批准延期', en: 'Extension approved by the office' };

export async function noticeWorkflow(input: NoticeInput): Promise<NoticeState> {
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
  async function notify(kind: NotifyRequest['kind'], audience: NotifyRequest['audience'], params: NotifyRequest['params'] = {}) {
    await acts.notify({ key: `${state.id}#${state.version}:${kind}`, kind, noticeId: state.id, audience, params });
  }
  const unitContacts = (): NotifyRequest['audience'] => [{ unitId: state.unitId, unitRoles: ['liaison', 'direct_responsible'] }];
  const office = (): NotifyRequest['audience'] => [{ universityRoles: ['office'] }];
  const escalation = noticeEscalation({ state, input, acts, record, notify, unitContacts, office, now: nowIso });
  const scope = { state: () => state, unitId: () => state.unitId };

  setHandler(stateQuery, () => state);
  setHandler(issuedUpdate, async () => {
    await condition(() => issuedRecorded);
    return state;
  });

  // 签收 — the unit acknowledges.
  onAction(acknowledgeUpdate, scope, {
    grant: 'notice.acknowledge',
    check: ({ actor }) => checkAcknowledge(state, actor),
    apply: async ({ actor }) => {
      acknowledge(state, actor, nowIso());
      await record('acknowledged', actor);
      await notify('acknowledged', office());
      await escalation.settle();
    },
  });

  // 提交整改报告 — the unit reports with evidence.
  onAction(submitRectificationUpdate, scope, {
    grant: 'notice.report',
    check: ({ actor, report }) => checkSubmitRectification(state, actor, report),
    apply: async ({ actor, report }) => {
      const r = submitRectification(state, actor, report, nowIso());
      await record('rectification_submitted', actor, { round: r.round, evidence: r.evidence.length });
      await notify('report_submitted', office(), { round: r.round });
    },
  });

  // 审核 — the office accepts (closed) or sends back, optionally with a new deadline.
  onAction(reviewUpdate, scope, {
    grant: 'notice.review',
    check: ({ actor, review: input }) => checkReview(state, actor, input, Date.now()),
    apply: async ({ actor, review: input }) => {
      const now = nowIso();
      const newDeadline =
        input.decision === 'reject' && input.rectifyBy ? explicitDeadline(input.rectifyBy, 'explicit', now, dueBecause(SENT_BACK)) : undefined;
      review(state, actor, input, now, newDeadline);
      await record(input.decision === 'accept' ? 'review_accepted' : 'review_rejected', actor, {
        round: state.rectifications.length,
        comment: input.comment ?? '',
        ...(newDeadline ? { rectifyBy: newDeadline.at } : {}),
      });
      await notify('review_outcome', unitContacts(), { decision: input.decision, comment: input.comment ?? '', rectifyBy: state.rectifyBy.at });
      await escalation.settle();
    },
  });

  // 撤回 — the office withdraws the notice.
  onAction(withdrawUpdate, scope, {
    grant: 'notice.withdraw',
    check: ({ actor, reason }) => checkWithdraw(state, actor, reason),
    apply: async ({ actor, reason }) => {
      withdraw(state, actor, reason, nowIso());
      await record('withdrawn', actor, { reason });
      await notify('withdrawn', unitContacts(), { reason });
      await escalation.settle();
    },
  });

  // 申请延期 — the unit asks for more time.
  onAction(requestExtensionUpdate, scope, {
    grant: 'notice.requestExtension',
    check: ({ actor, request }) => checkRequestExtension(state, actor, request, Date.now()),
    apply: async ({ actor, request }) => {
      const req = requestExtension(state, actor, request, nowIso());
      await record('extension_requested', actor, { requestId: req.id, until: req.until, reason: req.reason });
      await notify('extension_requested', office(), { until: req.until, reason: req.reason });
    },
  });

  // 审批延期 — the office approves (the deadline moves, running timers follow) or denies.
  onAction(decideExtensionUpdate, scope, {
    grant: 'notice.decideExtension',
    check: ({ actor, decision }) => checkDecideExtension(state, actor, decision),
    apply: async ({ actor, decision }) => {
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
      await notify('extension_decided', unitContacts(), { decision: decision.decision, until: req.until, comment: req.comment ?? '' });
      await escalation.settle();
    },
  });

  // 领导决定 — the leader at the current level (or a delegate) decides; the rule checks who may.
  onAction(decideEscalationUpdate, scope, {
    check: ({ actor, decision }) => checkEscalationDecision(state, actor, decision, state.escalationPlan, Date.now()),
    apply: ({ actor, decision }) => escalation.decide(actor, decision),
  });

  /** A deadline's reminder, or the deadline passing: overdue, and escalation starts. */
  async function fire(timer: TimerEvent): Promise<void> {
    const deadline = timer.deadline === 'acknowledge' ? state.acknowledgeBy : state.rectifyBy;
    if (timer.kind === 'reminder') {
      state.remindersSent.push(timer.key);
      await record('reminder_sent', SYSTEM_ACTOR, { deadline: timer.deadline, due: deadline.at });
      await notify('reminder', unitContacts(), { deadline: timer.deadline, due: deadline.at });
      return;
    }
    if (!markOverdue(state, timer.deadline)) return;
    await record('overdue', SYSTEM_ACTOR, { deadline: timer.deadline, due: deadline.at });
    await notify('overdue', [...unitContacts(), ...office()], { deadline: timer.deadline, due: deadline.at });
    await escalation.onOverdue(timer.deadline);
  }

  // 下发 — issued: recorded, the unit told.
  await record('issued', input.issuedBy, { acknowledgeBy: state.acknowledgeBy, rectifyBy: state.rectifyBy });
  issuedRecorded = true;
  await notify('new_notice', unitContacts(), { acknowledgeBy: state.acknowledgeBy.at, rectifyBy: state.rectifyBy.at });

  // Until closed or withdrawn: wait for the next timer (the notice's or the escalation's) or a change.
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
    if (next === escTimer) await escalation.fire(escTimer);
    else await fire(next as TimerEvent);
  }

  // Let the update that ended the notice finish recording and answer its caller.
  await recording;
  await condition(allHandlersFinished);
  return state;
}
