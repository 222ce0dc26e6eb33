/**
 * One workflow per rectification notice (整改通知). It owns the notice's state and clocks:
 * human actions arrive as updates (validated first, so a refused action fails at once with a clear
 * message), deadlines and reminders are durable timers, and every transition is recorded in the
 * database through an idempotent activity before the update returns — so the API can answer with
 * what it reads back.
 */
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  log,
} from '@temporalio/workflow';
import type { NoticeActivities, NoticeEvent, NoticeEventType, NotifyRequest } from '../activities/types';
import {
  type Actor,
  type ExtensionDecisionInput,
  type ExtensionInput,
  type NoticeInput,
  type RectificationReport,
  type ReviewInput,
  type NoticeState,
  type TimerEvent,
  RuleViolation,
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
import type { Deadline } from '../domain/deadlines';
import { formatBeijingEn, formatBeijingZh } from '../domain/time';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  issuedUpdate,
  requestExtensionUpdate,
  reviewUpdate,
  stateQuery,
  submitRectificationUpdate,
  withdrawUpdate,
} from './definitions';
import { SA_OVERDUE, SA_STATUS } from './search-attributes';

const acts = proxyActivities<NoticeActivities>({
  startToCloseTimeout: '30 seconds',
  // A database or mail outage must delay a record, never lose it: retry without limit.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Turns a domain refusal into an update failure the caller can read (type = the rule's code). */
function validate(check: () => unknown): void {
  try {
    check();
  } catch (err) {
    if (err instanceof RuleViolation) {
      throw ApplicationFailure.create({
        type: err.code,
        message: err.message,
        nonRetryable: true,
        details: [{ zh: err.zh, en: err.en }],
      });
    }
    throw err;
  }
}

function nowIso(): string {
  return new Date().toISOString();
}

function explicitDeadline(at: string, basis: 'explicit' | 'extension', from: string, why: string): Deadline {
  return {
    at: new Date(Date.parse(at)).toISOString(),
    explanation: {
      basis,
      from,
      workingDays: false,
      warnings: [],
      zh: `${basis === 'extension' ? '批准延期' : '审核退回时重新指定'}，截止于${formatBeijingZh(at)}${why ? `（${why}）` : ''}`,
      en: `${basis === 'extension' ? 'Extension approved' : 'Set anew when the report was sent back'}; due ${formatBeijingEn(at)}`,
    },
  };
}

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
    ]);
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
    await condition(() => issuedRecorded);
    return state;
  });

  setHandler(
    acknowledgeUpdate,
    async ({ actor }) => {
      acknowledge(state, actor, nowIso());
      await record('acknowledged', actor);
      await notify('acknowledged', office());
      return state;
    },
    { validator: ({ actor }: { actor: Actor }) => validate(() => checkAcknowledge(state, actor)) },
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
        validate(() => checkSubmitRectification(state, actor, report)),
    },
  );

  setHandler(
    reviewUpdate,
    async ({ actor, review: input }) => {
      const now = nowIso();
      const newDeadline =
        input.decision === 'reject' && input.rectifyBy
          ? explicitDeadline(input.rectifyBy, 'explicit', now, '')
          : undefined;
      review(state, actor, input, now, newDeadline);
      const accepted = input.decision === 'accept';
      await record(accepted ? 'review_accepted' : 'review_rejected', actor, {
        round: state.rectifications.length,
        comment: input.comment ?? '',
        ...(newDeadline ? { rectifyBy: newDeadline.at } : {}),
      });
      await notify('review_outcome', unitContacts(), {
        decision: input.decision,
        comment: input.comment ?? '',
        rectifyBy: state.rectifyBy.at,
      });
      return state;
    },
    {
      validator: ({ actor, review: input }: { actor: Actor; review: ReviewInput }) =>
        validate(() => checkReview(state, actor, input, Date.now())),
    },
  );

  setHandler(
    withdrawUpdate,
    async ({ actor, reason }) => {
      withdraw(state, actor, reason, nowIso());
      await record('withdrawn', actor, { reason });
      await notify('withdrawn', unitContacts(), { reason });
      return state;
    },
    { validator: ({ actor, reason }: { actor: Actor; reason: string }) => validate(() => checkWithdraw(state, actor, reason)) },
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
        validate(() => checkRequestExtension(state, actor, request, Date.now())),
    },
  );

  setHandler(
    decideExtensionUpdate,
    async ({ actor, decision }) => {
      const now = nowIso();
      const pending = state.extensions.find((e) => e.id === decision.requestId)!;
      const newDeadline =
        decision.decision === 'approve' ? explicitDeadline(pending.until, 'extension', now, '') : undefined;
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
      return state;
    },
    {
      validator: ({ actor, decision }: { actor: Actor; decision: ExtensionDecisionInput }) =>
        validate(() => checkDecideExtension(state, actor, decision)),
    },
  );

  async function fire(timer: TimerEvent): Promise<void> {
    if (timer.kind === 'reminder') {
      state.remindersSent.push(timer.key);
      const deadline = timer.deadline === 'acknowledge' ? state.acknowledgeBy : state.rectifyBy;
      await record('reminder_sent', SYSTEM_ACTOR, { deadline: timer.deadline, due: deadline.at });
      await notify('reminder', unitContacts(), { deadline: timer.deadline, due: deadline.at });
      return;
    }
    if (!markOverdue(state, timer.deadline)) return;
    const deadline = timer.deadline === 'acknowledge' ? state.acknowledgeBy : state.rectifyBy;
    await record('overdue', SYSTEM_ACTOR, { deadline: timer.deadline, due: deadline.at });
    await notify('overdue', [...unitContacts(), ...office()], { deadline: timer.deadline, due: deadline.at });
    await onOverdue(timer.deadline);
  }

  /**
   * The seam for escalation up the leadership chain (a later issue): called once each time the
   * notice becomes overdue. For now the notice stays open and overdue.
   */
  function onOverdue(kind: TimerEvent['deadline']): Promise<void> {
    log.info('notice overdue', { noticeId: state.id, kind });
    return Promise.resolve();
  }

  await record('issued', input.issuedBy, {
    acknowledgeBy: state.acknowledgeBy,
    rectifyBy: state.rectifyBy,
  });
  issuedRecorded = true;
  await notify('new_notice', unitContacts(), { acknowledgeBy: state.acknowledgeBy.at, rectifyBy: state.rectifyBy.at });

  while (!isTerminal(state.status)) {
    const seen = state.version;
    const timer = nextTimer(state);
    if (!timer) {
      await condition(() => state.version !== seen);
      continue;
    }
    const wait = timer.at - Date.now();
    if (wait > 0 && (await condition(() => state.version !== seen, wait))) continue;
    await fire(timer);
  }

  // Let the update that ended the notice finish recording and answer its caller.
  await recording;
  await condition(allHandlersFinished);
  return state;
}
