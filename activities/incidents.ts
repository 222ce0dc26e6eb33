/**
 * Activities of the incident workflow: thin adapters onto db/ and the notification outbox, each
 * idempotent (timeline keyed by (incident, seq), the state row only moves forward, outbox rows by
 * their keys, trigger firings by their dedupe keys).
 */
import type { Db } from '../db/client';
import { getAudience, getUnit } from '../db/org';
import { earlierMiningCases, getIncident, writeIncidentEvent } from '../db/incidents';
import { claimFiring } from '../db/triggers';
import { attributionAtFacts } from '../db/proposals';
import { enqueueNotifications } from '../notifications/outbox';
import { renderTemplate, templateLocale } from '../notifications/render';
import { notificationSettings } from '../notifications/settings';
import type { IncidentActivities, IncidentNotifyRequest } from './types';

export function createIncidentActivities({ db, publicUrl }: { db: Db; publicUrl: string }): IncidentActivities {
  return {
    async recordIncidentEvent({ state, event }) {
      await db.tx((q) => writeIncidentEvent(q, state, event));
    },

    async notifyIncident(req: IncidentNotifyRequest) {
      const found = await getIncident(db, req.incidentId);
      if (!found) throw new Error(`incident ${req.incidentId} is not recorded yet`);
      const s = found.state;
      const [unit, people] = await Promise.all([getUnit(db, s.unitId), getAudience(db, req.audience)]);
      const link = `${publicUrl.replace(/\/$/, '')}/incidents/${encodeURIComponent(req.incidentId)}`;
      const settings = notificationSettings();
      await enqueueNotifications(
        db,
        {
          key: req.key,
          kind: req.kind,
          ref: { kind: 'incident', id: req.incidentId },
          unitId: s.unitId,
          link,
          recipients: people,
          render: (locale) =>
            renderTemplate(
              req.kind,
              templateLocale(locale),
              {
                ...req.params,
                incidentId: s.id,
                title: s.title,
                unitName: (locale === 'en' ? unit?.nameEn : unit?.name) ?? unit?.name ?? s.unitId,
                grade: s.grade,
                type: s.type,
                detectedAt: s.detectedAt,
                reportDueAt: s.clocks.reportDueAt,
                link,
              },
              { timeZone: settings.timeZone },
            ),
        },
        settings,
      );
      return { recipients: people.length };
    },

    async earlierMiningCases({ unitId, from, to, excludeId }) {
      return earlierMiningCases(db, unitId, from, to, excludeId);
    },

    async claimTrigger({ plan, idPrefix }) {
      const claimed = await claimFiring(db, plan, 'system', idPrefix);
      return { ...claimed, attribution: await attributionAtFacts(db, plan.unitId, new Date(plan.factsAt), []) };
    },
  };
}
