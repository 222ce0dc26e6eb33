/**
 * Activities of the notice workflow. Both are idempotent: a retry after a crash (or after a
 * timeout whose first attempt did succeed) writes nothing twice — the timeline is keyed by
 * (notice, seq), the state row only moves forward, and inbox rows are keyed by dedupe_key.
 */
import type { Db } from '../db/client';
import { appendAudit } from '../db/audit';
import { getDelegates, getPeople, getUnit, getUnitChain, resolveAudience } from '../db/org';
import { enqueueNotifications } from '../notifications/outbox';
import { renderMessage } from '../notifications/render';
import { notificationSettings } from '../notifications/settings';
import type { NoticeState } from '../domain/notice';
import type { WorkCalendar } from '../domain/calendar';
import { computeDeadline } from '../domain/deadlines';
import { levelsFrom, currentStep, leadersAsked } from '../domain/escalation';
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
      await db.tx(async (q) => {
        await q.query(
          `INSERT INTO notices (id, workflow_id, unit_id, title, category, severity, status, overdue,
             acknowledge_by, rectify_by, issued_by, issued_at, closed_at, version, state, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           ON CONFLICT (id) DO UPDATE SET
             status = EXCLUDED.status, overdue = EXCLUDED.overdue, acknowledge_by = EXCLUDED.acknowledge_by,
             rectify_by = EXCLUDED.rectify_by, closed_at = EXCLUDED.closed_at, version = EXCLUDED.version,
             state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
           WHERE notices.version < EXCLUDED.version`,
          [
            state.id,
            `notice-${state.id}`,
            state.unitId,
            state.title,
            state.category,
            state.severity,
            state.status,
            state.overdue,
            state.acknowledgeBy.at,
            state.rectifyBy.at,
            state.issuedBy,
            state.issuedAt,
            state.closedAt ?? null,
            event.seq,
            JSON.stringify(state),
            event.at,
          ],
        );
        await q.query(
          `INSERT INTO notice_events (notice_id, seq, type, actor_id, at, data)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (notice_id, seq) DO NOTHING`,
          [state.id, event.seq, event.type, event.actorId, event.at, JSON.stringify(event.data)],
        );
        for (const e of state.escalations) {
          const step = currentStep(e);
          await q.query(
            `INSERT INTO escalations (id, notice_id, unit_id, round, level, status, assignee_id, decide_by, asked,
               started_at, ended_at, end_reason, version, state, delegates)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (id) DO UPDATE SET
               level = EXCLUDED.level, status = EXCLUDED.status, assignee_id = EXCLUDED.assignee_id,
               delegates = EXCLUDED.delegates,
               decide_by = EXCLUDED.decide_by, asked = EXCLUDED.asked, ended_at = EXCLUDED.ended_at,
               end_reason = EXCLUDED.end_reason, version = EXCLUDED.version, state = EXCLUDED.state
             WHERE escalations.version < EXCLUDED.version`,
            [
              e.id,
              state.id,
              state.unitId,
              e.round,
              e.level,
              e.status,
              step?.assigneeId ?? null,
              e.status === 'supervising' ? (e.superviseUntil ?? null) : (step?.decideBy?.at ?? null),
              leadersAsked(e),
              e.startedAt,
              e.endedAt ?? null,
              e.endReason ?? null,
              event.seq,
              JSON.stringify(e),
              step?.delegateIds ?? [],
            ],
          );
        }
        // The audit trail, in this transaction and last (it takes the audit lock until commit); the
        // key makes a retried activity append nothing.
        await appendAudit(q, {
          actorId: event.actorId,
          action: `notice.${event.type}`,
          targetType: 'notice',
          targetId: state.id,
          idempotencyKey: `notice:${state.id}:${event.seq}`,
          details: { seq: event.seq, eventAt: event.at, status: state.status, workflowId: `notice-${state.id}` },
        });
      });
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
      const notice = await db.query<{ title: string; unit_id: string; severity: string }>(
        'SELECT title, unit_id, severity FROM notices WHERE id = $1',
        [req.noticeId],
      );
      const row = notice.rows[0];
      if (!row) throw new Error(`notice ${req.noticeId} is not recorded yet`);
      const unit = await getUnit(db, row.unit_id);
      const recipientIds = await resolveAudience(db, req.audience);
      const people = await getPeople(db, recipientIds);
      const link = `${publicUrl.replace(/\/$/, '')}/notices/${encodeURIComponent(req.noticeId)}`;
      // One transaction: the in-app inbox rows and the outbox rows for e-mail and robots (per
      // preferences), each keyed by `${req.key}:${person}:${channel}` — a retry writes nothing twice.
      const settings = notificationSettings();
      await enqueueNotifications(
        db,
        {
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
        },
        settings,
      );
      return { recipients: people.length };
    },
  };
  return activities;
}
