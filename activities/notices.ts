/**
 * Activities of the notice workflow: thin adapters onto db/ (the rows, db/notices.ts) and the
 * notification outbox. All idempotent: a retry after a crash (or after a timeout whose first
 * attempt did succeed) writes nothing twice — the timeline is keyed by (notice, seq), the state row
 * only moves forward, and inbox rows are keyed by dedupe_key.
 */
import type { Db } from '../db/client';
import { auditNoticeEvent, getNoticeHeader, writeNoticeEvent, writeNoticeRows, type NoticeHeader } from '../db/notices';
import { getAudience, getDelegates, getUnit, getUnitChain } from '../db/org';
import { enqueueInTransaction, enqueueNotifications, outboxEvents, type EnqueueRequest } from '../notifications/outbox';
import { renderMessage } from '../notifications/render';
import { notificationSettings } from '../notifications/settings';
import type { NoticeState } from '../domain/notice';
import type { WorkCalendar } from '../domain/calendar';
import { computeDeadline } from '../domain/deadlines';
import { levelsFrom } from '../domain/escalation';
import type { NoticeEvent } from '../domain/events';
import type { NoticeActivities, NotifyRequest } from './types';
import { storableJson } from '../domain/text';

export interface ActivityDeps {
  db: Db;
  /** Base URL of the web UI, for links in messages. */
  publicUrl: string;
  /** Working days for leaders' decision deadlines. */
  calendar: WorkCalendar;
}

export function createNoticeActivities({ db, publicUrl, calendar }: ActivityDeps): NoticeActivities {
  const activities: NoticeActivities = {
    async recordNotIssued({ state, event }) {
      await activities.recordNoticeEvent({ state: storableJson(state), event: storableJson(event) });
    },

    async recordNoticeEvent({ state, event }: { state: NoticeState; event: NoticeEvent }) {
      await db.tx((q) => writeNoticeEvent(q, state, event));
    },

    async recordAndNotify({ state, event, notify }: { state: NoticeState; event: NoticeEvent; notify: NotifyRequest | NotifyRequest[] }) {
      // The messages are prepared from the state being recorded (no read of the notice's row), their
      // audiences resolved beforehand, and everything written in one transaction: one activity and
      // one commit per step instead of one of each for the record and every message (README
      // "Benchmarks": where reminder time went). A single request is what reminders recorded before
      // a step could carry several messages.
      const header = { title: state.title, unit_id: state.unitId, severity: state.severity };
      const prepared = await Promise.all((Array.isArray(notify) ? notify : [notify]).map((r) => prepareNotice(r, header)));
      const settings = notificationSettings();
      const result = await db.tx(async (q) => {
        await writeNoticeRows(q, state, event);
        const sum = { recipients: 0, queued: 0 };
        for (const p of prepared) {
          const r = await enqueueInTransaction(q, p, settings);
          sum.recipients += r.recipients;
          sum.queued += r.queued;
        }
        // Last: the audit lock serialises every worker's steps from here to commit.
        await auditNoticeEvent(q, state, event);
        return sum;
      });
      if (result.queued > 0) outboxEvents.emit('enqueued', result.queued);
      return { recipients: result.recipients };
    },

    async planEscalation({ unitId, fromLevel, decideWithin, workingDays, allowDelegates }) {
      const chain = await getUnitChain(db, unitId);
      const holder: Record<string, string | null> = {
        direct_responsible: chain.directResponsible,
        first_responsible: chain.firstResponsible,
        supervising_leader: chain.supervisingLeader,
        cybersecurity_leader: chain.cybersecurityLeader,
        party_secretary: chain.partySecretary,
      };
      const now = new Date();
      const resolved = await Promise.all(
        levelsFrom(fromLevel).map(async (l) => {
          const assigneeId = holder[l.role] ?? null;
          const delegateIds = allowDelegates && assigneeId ? await getDelegates(db, assigneeId, now) : undefined;
          return { ...l, assigneeId, ...(delegateIds ? { delegateIds } : {}) };
        }),
      );
      const decideBy = computeDeadline({
        from: now,
        within: decideWithin,
        workingDays,
        calendar,
        label: { zh: '领导决定期限', en: "leader's decision deadline" },
      });
      return { resolved, decideBy };
    },

    async notify(req: NotifyRequest) {
      const row = await getNoticeHeader(db, req.noticeId);
      if (!row) throw new Error(`notice ${req.noticeId} is not recorded yet`);
      // One transaction: the in-app inbox rows and the outbox rows for e-mail and robots (per
      // preferences), each keyed by `${req.key}:${person}:${channel}` — a retry writes nothing twice.
      const settings = notificationSettings();
      const prepared = await prepareNotice(req, row);
      await enqueueNotifications(db, prepared, settings);
      return { recipients: prepared.recipients.length };
    },
  };
  return activities;

  /** The message of a notice's event: its audience resolved now, rendered per locale. */
  async function prepareNotice(req: NotifyRequest, row: NoticeHeader): Promise<EnqueueRequest> {
    const [unit, people] = await Promise.all([getUnit(db, row.unit_id), getAudience(db, req.audience)]);
    const link = `${publicUrl.replace(/\/$/, '')}/notices/${encodeURIComponent(req.noticeId)}`;
    const settings = notificationSettings();
    return {
      key: req.key,
      kind: req.kind,
      ref: { kind: 'notice', id: req.noticeId },
      unitId: row.unit_id,
      link,
      recipients: people,
      render: (locale) =>
        renderMessage(
          req.kind,
          {
            noticeId: req.noticeId,
            title: row.title,
            unitName: (locale === 'en' ? unit?.nameEn : unit?.name) ?? unit?.name ?? row.unit_id,
            severity: row.severity,
            link,
            params: req.params,
          },
          locale,
          { timeZone: settings.timeZone },
        ),
    };
  }
}
