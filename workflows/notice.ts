/**
 * One workflow per rectification notice (整改通知). It owns the notice's state and clocks:
 * human actions arrive as updates (validated first, so a refused action fails at once with a clear
 * message), deadlines and reminders are durable timers, and every transition is recorded in the
 * database through an idempotent activity before the update returns — so the API can answer with
 * what it reads back. The escalation up the leadership chain is in notice-escalation.ts, the
 * recording in notice-recorder.ts, the way an action is taken in actions.ts.
 */
import { allHandlersFinished, condition, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { NoticeActivities } from '../activities/types';
import {
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
import { dueBecause, explicitDeadline } from '../domain/explicit-deadline';
import { nextEscalationTimer } from '../domain/escalation';
import { applyRecomputedDeadlines, checkRecomputeDeadlines } from '../domain/overdue-rules';
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
import { actionsOn } from './actions';
import { ActivityFailure, NOT_RECORDED_PATCH, notRecorded, notRecordedFailure, nowIso, RECORD_ACTIVITY_OPTIONS } from './common';
import { noticeEscalation, type NoticeEscalation } from './notice-escalation';
import { noticeRecorder, STEP_ONE_ACTIVITY, type Message, type NoticeRecorder } from './notice-recorder';
import { SA_STATUS } from './search-attributes';

/**
 * Patch: a reminder is recorded and sent by one activity (recordAndNotify) instead of two, without
 * a search attribute upsert. Workflows whose reminder fired before this code replay the old path.
 */
const REMINDER_ONE_ACTIVITY = 'reminder-one-activity';

/** Notices started before issue 12's rules keep the commands they were started with (see README, changing workflow code). */
const ISSUE_12 = 'issue-12-overdue-rules';

const acts = proxyActivities<Pick<NoticeActivities, 'recordNotIssued'>>(RECORD_ACTIVITY_OPTIONS);

const SENT_BACK = { zh: '审核退回时重新指定', en: 'Set anew when the report was sent back' };
const EXTENSION_APPROVED = { zh: '领导小组办公室批准延期', en: 'Extension approved by the office' };

export async function noticeWorkflow(input: NoticeInput): Promise<NoticeState> {
  const v12 = patched(ISSUE_12);
  const state = initialState(input);
  const rec = noticeRecorder(state);
  const escalation = noticeEscalation(rec, { v12, proposalTiming: input.proposalTiming });
  let issued = false;

  setHandler(stateQuery, () => state);
  setHandler(issuedUpdate, async () => {
    await condition(() => issued || state.notRecorded !== undefined);
    if (state.notRecorded) throw notRecordedFailure('not_issued', state.notRecorded);
    return state;
  });
  takeActions(rec, escalation, v12);

  // 1. The notice is issued: recorded first. If that fails for good it ends as not issued, for the office.
  //    The unit is told in the same step: its contacts, or whom the policy names for the severity.
  //    (Before patch step-one-activity the message was a second activity, once the record was written.)
  const told = input.newNoticeRoles ? [{ unitId: state.unitId, unitRoles: input.newNoticeRoles }] : rec.unitContacts();
  const newNotice: Message = { kind: 'new_notice', audience: told, params: { acknowledgeBy: state.acknowledgeBy.at, rectifyBy: state.rectifyBy.at } };
  const together = patched(STEP_ONE_ACTIVITY);
  try {
    await rec.step('issued', input.issuedBy, { acknowledgeBy: state.acknowledgeBy, rectifyBy: state.rectifyBy }, together ? [newNotice] : []);
  } catch (err) {
    await endNotIssued(state, err);
    await condition(allHandlersFinished);
    return state;
  }
  issued = true;
  if (!together) await rec.notify(newNotice.kind, newNotice.audience, newNotice.params);

  // 3. Until it is closed or withdrawn: the next reminder or deadline, or the escalation's next
  //    leader reminder, timeout or end of supervision — whichever comes first; any action re-plans.
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
    else await fireDeadline(rec, escalation, next as TimerEvent);
  }

  // 4. The update that ended the notice finishes recording and answers its caller.
  await rec.recorded();
  await condition(allHandlersFinished);
  return state;
}

/** The unit's and the office's actions on the notice, and the leaders' decisions on its escalation. */
function takeActions(rec: NoticeRecorder, escalation: NoticeEscalation, v12: boolean): void {
  const { state, step, unitContacts, office } = rec;
  const action = actionsOn(state);

  action(acknowledgeUpdate, {
    grant: 'notice.acknowledge',
    check: ({ actor }) => checkAcknowledge(state, actor),
    apply: ({ actor }) => acknowledge(state, actor, nowIso()),
    record: async ({ actor }) => {
      await step('acknowledged', actor, {}, [{ kind: 'acknowledged', audience: office() }]);
      await escalation.settle();
      return state;
    },
  });

  action(submitRectificationUpdate, {
    grant: 'notice.report',
    check: ({ actor, report }) => checkSubmitRectification(state, actor, report),
    apply: ({ actor, report }) => submitRectification(state, actor, report, nowIso()),
    record: async ({ actor }, r) => {
      await step('rectification_submitted', actor, { round: r.round, evidence: r.evidence.length }, [
        { kind: 'report_submitted', audience: office(), params: { round: r.round } },
      ]);
      return state;
    },
  });

  action(reviewUpdate, {
    grant: 'notice.review',
    check: ({ actor, review: input }) => checkReview(state, actor, input, Date.now()),
    apply: ({ actor, review: input }) => {
      const now = nowIso();
      // Sent back: a new deadline given, or (issue 12) the old one moved by the time under review.
      const pause = input.decision === 'reject' && !input.rectifyBy && v12 ? reviewPauseDeadline(state, now) : undefined;
      const newDeadline =
        input.decision === 'reject' && input.rectifyBy ? explicitDeadline(input.rectifyBy, 'explicit', now, dueBecause(SENT_BACK)) : pause;
      review(state, actor, input, now, newDeadline);
      return { pause, newDeadline };
    },
    record: async ({ actor, review: input }, { pause, newDeadline }) => {
      const data = {
        round: state.rectifications.length,
        comment: input.comment ?? '',
        ...(newDeadline ? { rectifyBy: newDeadline.at } : {}),
        ...(pause ? { reviewPause: pause.explanation.reviewPause } : {}),
      };
      await step(input.decision === 'accept' ? 'review_accepted' : 'review_rejected', actor, data, [
        { kind: 'review_outcome', audience: unitContacts(), params: { decision: input.decision, comment: input.comment ?? '', rectifyBy: state.rectifyBy.at } },
      ]);
      await escalation.settle();
      return state;
    },
  });

  action(withdrawUpdate, {
    grant: 'notice.withdraw',
    check: ({ actor, reason }) => checkWithdraw(state, actor, reason),
    apply: ({ actor, reason }) => withdraw(state, actor, reason, nowIso()),
    record: async ({ actor, reason }) => {
      await step('withdrawn', actor, { reason }, [{ kind: 'withdrawn', audience: unitContacts(), params: { reason } }]);
      await escalation.settle();
      return state;
    },
  });

  action(requestExtensionUpdate, {
    grant: 'notice.requestExtension',
    check: ({ actor, request }) => checkRequestExtension(state, actor, request, Date.now()),
    apply: ({ actor, request }) => requestExtension(state, actor, request, nowIso()),
    record: async ({ actor }, req) => {
      await step('extension_requested', actor, { requestId: req.id, until: req.until, reason: req.reason }, [
        { kind: 'extension_requested', audience: office(), params: { until: req.until, reason: req.reason } },
      ]);
      return state;
    },
  });

  action(decideExtensionUpdate, {
    grant: 'notice.decideExtension',
    check: ({ actor, decision }) => checkDecideExtension(state, actor, decision),
    apply: ({ actor, decision }) => {
      const now = nowIso();
      const pending = state.extensions.find((e) => e.id === decision.requestId)!;
      const newDeadline = decision.decision === 'approve' ? explicitDeadline(pending.until, 'extension', now, dueBecause(EXTENSION_APPROVED)) : undefined;
      return decideExtension(state, actor, decision, now, newDeadline);
    },
    record: async ({ actor, decision }, req) => {
      await step(req.status === 'approved' ? 'extension_approved' : 'extension_denied', actor, { requestId: req.id, until: req.until, comment: req.comment ?? '' }, [
        { kind: 'extension_decided', audience: unitContacts(), params: { decision: decision.decision, until: req.until, comment: req.comment ?? '' } },
      ]);
      await escalation.settle();
      return state;
    },
  });

  action(recomputeDeadlinesUpdate, {
    grant: 'notice.recomputeDeadlines',
    check: ({ deadlines }) => checkRecomputeDeadlines(state, deadlines),
    apply: ({ deadlines }) => applyRecomputedDeadlines(state, deadlines, nowIso()),
    record: async ({ actor }, changes) => {
      await step('deadlines_recomputed', actor, changes, []);
      await escalation.settle();
      return state;
    },
  });

  // The leader's decision: the escalation's own check decides who may take it.
  action(decideEscalationUpdate, escalation.decision);
}

/** A reminder, or a deadline missed: overdue, which starts an escalation. */
async function fireDeadline(rec: NoticeRecorder, escalation: NoticeEscalation, timer: TimerEvent): Promise<void> {
  const { state, record, notify, step, unitContacts, office } = rec;
  if (timer.kind === 'reminder') {
    state.remindersSent.push(timer.key);
    const deadline = timer.deadline === 'acknowledge' ? state.acknowledgeBy : state.rectifyBy;
    if (patched(REMINDER_ONE_ACTIVITY)) {
      await rec.recordAndNotify('reminder_sent', { deadline: timer.deadline, due: deadline.at }, 'reminder', unitContacts(), {
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
  await step('overdue', SYSTEM_ACTOR, { deadline: timer.deadline, due: deadline.at }, [
    { kind: 'overdue', audience: [...unitContacts(), ...office()], params: { deadline: timer.deadline, due: deadline.at } },
  ]);
  await escalation.onOverdue(timer.deadline);
}

/**
 * The first record failed for good (data the database refuses, or the retry bound reached): the
 * notice ends as not issued, recorded for the office, instead of a workflow that fails unseen.
 * Histories from before this path existed replay as they ran (they failed here). Not async: the
 * caller awaits the activity itself, as when this was written inline.
 */
function endNotIssued(state: NoticeState, err: unknown): Promise<void> {
  if (!(err instanceof ActivityFailure) || !patched(NOT_RECORDED_PATCH)) throw err;
  state.status = 'not_issued';
  state.notRecorded = notRecorded(err, nowIso(), { zh: '整改通知', en: 'notice' });
  state.version += 1;
  upsertSearchAttributes([{ key: SA_STATUS, value: state.status }]);
  return acts.recordNotIssued({
    state: JSON.parse(JSON.stringify(state)) as NoticeState,
    event: { seq: state.version, type: 'not_issued', actorId: SYSTEM_ACTOR.id, at: state.notRecorded.at, data: { reason: state.notRecorded.en, error: state.notRecorded.error } },
  });
}
