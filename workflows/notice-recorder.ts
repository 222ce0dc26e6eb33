/**
 * How the notice workflow and its escalation record a step: the event with a snapshot of the
 * notice's state through an idempotent activity (records written in order, one after another, the
 * search attributes upserted with each), and the notice's messages. Workflow code: deterministic.
 */
import { patched, proxyActivities, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { NoticeActivities, NotifyRequest } from '../activities/types';
import type { NoticeEvent, NoticeEventType } from '../domain/events';
import { activeEscalation } from '../domain/escalation';
import { SYSTEM_ACTOR, type Actor, type NoticeState } from '../domain/notice';
import { LOCAL_FIRST_OPTIONS, localFirst, nowIso, RECORD_ACTIVITY_OPTIONS } from './common';
import { SA_ESCALATION_LEVEL, SA_OVERDUE, SA_STATUS } from './search-attributes';

const acts = proxyActivities<NoticeActivities>(RECORD_ACTIVITY_OPTIONS);
const local = proxyLocalActivities<Pick<NoticeActivities, 'recordNoticeEvent' | 'recordAndNotify'>>(LOCAL_FIRST_OPTIONS);

/**
 * Patch: a step's record (with its messages) is tried first as a local activity, then, if that
 * attempt fails, as the ordinary activity (common.ts, LOCAL_FIRST_OPTIONS). Workflows whose steps
 * ran before this code replay them as ordinary activities; their later steps take the new path.
 */
export const STEP_LOCAL_FIRST = 'step-local-first';

const recordEvent = (input: Parameters<NoticeActivities['recordNoticeEvent']>[0]): Promise<void> =>
  patched(STEP_LOCAL_FIRST) ? localFirst(() => local.recordNoticeEvent(input), () => acts.recordNoticeEvent(input)) : acts.recordNoticeEvent(input);
const recordAndSend = async (input: Parameters<NoticeActivities['recordAndNotify']>[0]): Promise<void> =>
  void (await (patched(STEP_LOCAL_FIRST) ? localFirst(() => local.recordAndNotify(input), () => acts.recordAndNotify(input)) : acts.recordAndNotify(input)));

/**
 * Patch: a step's event and its messages are written by one activity in one transaction
 * (recordAndNotify) instead of one activity for the record and one per message, and only the
 * search attributes that changed are upserted. Workflows that took a step before this code replay
 * it as it ran: the record with every attribute, then each message.
 */
export const STEP_ONE_ACTIVITY = 'step-one-activity';

export type Audience = NotifyRequest['audience'];

/** A message a step sends: its kind, to whom, and what it shows. */
export interface Message {
  kind: NotifyRequest['kind'];
  audience: Audience;
  params?: NotifyRequest['params'];
}

export interface NoticeRecorder {
  readonly state: NoticeState;
  /** Records an event; records are written in order, one after another. */
  record: (type: NoticeEventType, actor: Actor, data?: Record<string, unknown>) => Promise<void>;
  /**
   * An event and the messages it sends, as one step: one activity and one transaction (the
   * message keys are those the record-then-notify path used, so a workflow that changes path
   * mid-way sends nothing twice).
   */
  step: (type: NoticeEventType, actor: Actor, data: Record<string, unknown>, messages: Message[]) => Promise<void>;
  /**
   * A system event and its message in one activity. Only for events that change none of the search
   * attributes (a reminder), so nothing is upserted.
   */
  recordAndNotify: (type: NoticeEventType, data: Record<string, unknown>, kind: NotifyRequest['kind'], audience: Audience, params: NotifyRequest['params']) => Promise<void>;
  notify: (kind: NotifyRequest['kind'], audience: Audience, params?: NotifyRequest['params']) => Promise<void>;
  /** Every record asked for so far, written. */
  recorded: () => Promise<void>;
  /** The unit's liaison and directly responsible person. */
  unitContacts: () => Audience;
  office: () => Audience;
}

export function noticeRecorder(state: NoticeState): NoticeRecorder {
  let recording: Promise<void> = Promise.resolve();

  const event = (type: NoticeEventType, actor: Actor, data: Record<string, unknown>): NoticeEvent => {
    state.version += 1;
    return { seq: state.version, type, actorId: actor.id, at: nowIso(), data };
  };
  const snapshot = (): NoticeState => JSON.parse(JSON.stringify(state)) as NoticeState;
  const request = (m: Message): NotifyRequest => ({
    key: `${state.id}#${state.version}:${m.kind}`,
    kind: m.kind,
    noticeId: state.id,
    audience: m.audience,
    params: m.params ?? {},
  });
  const upsert = (): void =>
    upsertSearchAttributes([
      { key: SA_STATUS, value: state.status },
      { key: SA_OVERDUE, value: state.overdue ?? 'none' },
      { key: SA_ESCALATION_LEVEL, value: activeEscalation(state)?.level ?? 0 },
    ]);
  // Only what changed: each upsert is a visibility write on the server, and most steps change one
  // attribute or none (the are those the workflow was started with).
  const upsertChanged = (): void => {
    const now = workflowInfo().typedSearchAttributes;
    const changed = [];
    if (now.get(SA_STATUS) !== state.status) changed.push({ key: SA_STATUS, value: state.status });
    if (now.get(SA_OVERDUE) !== (state.overdue ?? 'none')) changed.push({ key: SA_OVERDUE, value: state.overdue ?? 'none' });
    const level = activeEscalation(state)?.level ?? 0;
    if (now.get(SA_ESCALATION_LEVEL) !== level) changed.push({ key: SA_ESCALATION_LEVEL, value: level });
    if (changed.length > 0) upsertSearchAttributes(changed);
  };

  const rec: NoticeRecorder = {
    state,
    record(type, actor, data = {}) {
      const e = event(type, actor, data);
      const s = snapshot();
      recording = recording.then(() => recordEvent({ state: s, event: e }));
      upsert();
      return recording;
    },
    async step(type, actor, data, messages) {
      if (messages.length === 0 || !patched(STEP_ONE_ACTIVITY)) {
        await rec.record(type, actor, data);
        for (const m of messages) await rec.notify(m.kind, m.audience, m.params);
        return;
      }
      const e = event(type, actor, data);
      const s = snapshot();
      const requests = messages.map(request);
      recording = recording.then(() => recordAndSend({ state: s, event: e, notify: requests }));
      upsertChanged();
      await recording;
    },
    recordAndNotify(type, data, kind, audience, params) {
      const e = event(type, SYSTEM_ACTOR, data);
      const s = snapshot();
      const r = request({ kind, audience, params });
      recording = recording.then(() => recordAndSend({ state: s, event: e, notify: r }));
      return recording;
    },
    async notify(kind, audience, params = {}) {
      await acts.notify(request({ kind, audience, params }));
    },
    recorded: () => recording,
    unitContacts: () => [{ unitId: state.unitId, unitRoles: ['liaison', 'direct_responsible'] }],
    office: () => [{ universityRoles: ['office'] }],
  };
  return rec;
}
