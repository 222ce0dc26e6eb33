/**
 * How the notice workflow and its escalation record a step: the event with a snapshot of the
 * notice's state through an idempotent activity (records written in order, one after another, the
 * search attributes upserted with each), and the notice's messages. Workflow code: deterministic.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { NoticeActivities, NotifyRequest } from '../activities/types';
import type { NoticeEvent, NoticeEventType } from '../domain/events';
import { activeEscalation } from '../domain/escalation';
import { SYSTEM_ACTOR, type Actor, type NoticeState } from '../domain/notice';
import { nowIso, RECORD_ACTIVITY_OPTIONS } from './common';
import { SA_ESCALATION_LEVEL, SA_OVERDUE, SA_STATUS } from './search-attributes';

const acts = proxyActivities<NoticeActivities>(RECORD_ACTIVITY_OPTIONS);

export type Audience = NotifyRequest['audience'];

export interface NoticeRecorder {
  readonly state: NoticeState;
  /** Records an event; records are written in order, one after another. */
  record: (type: NoticeEventType, actor: Actor, data?: Record<string, unknown>) => Promise<void>;
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
  return {
    state,
    record(type, actor, data = {}) {
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
    },
    recordAndNotify(type, data, kind, audience, params) {
      state.version += 1;
      const event: NoticeEvent = { seq: state.version, type, actorId: SYSTEM_ACTOR.id, at: nowIso(), data };
      const snapshot = JSON.parse(JSON.stringify(state)) as NoticeState;
      const request: NotifyRequest = { key: `${state.id}#${state.version}:${kind}`, kind, noticeId: state.id, audience, params };
      recording = recording.then(async () => void (await acts.recordAndNotify({ state: snapshot, event, notify: request })));
      return recording;
    },
    async notify(kind, audience, params = {}) {
      await acts.notify({ key: `${state.id}#${state.version}:${kind}`, kind, noticeId: state.id, audience, params });
    },
    recorded: () => recording,
    unitContacts: () => [{ unitId: state.unitId, unitRoles: ['liaison', 'direct_responsible'] }],
    office: () => [{ universityRoles: ['office'] }],
  };
}
