/**
 * Who gets which channel: the channels, the categories people choose them for, and each person's
 * preferences. Defaults (no row): every channel available to the person — the in-app inbox always,
 * e-mail when e-mail is on and they have an address, a work-chat robot when one is configured for
 * them or for their unit. The in-app inbox cannot be turned off: it is the record.
 */
import type { Db, Queryable } from '../db/client';

export const DELIVERY_CHANNELS = ['inapp', 'email', 'wecom', 'dingtalk', 'feishu'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const ROBOT_CHANNELS = ['wecom', 'dingtalk', 'feishu'] as const;
export type RobotChannel = (typeof ROBOT_CHANNELS)[number];

/** The channels a person may choose; the inbox is always on. */
export const OPTIONAL_CHANNELS = ['email', ...ROBOT_CHANNELS] as const;
export type OptionalChannel = (typeof OPTIONAL_CHANNELS)[number];

export function isRobotChannel(c: string): c is RobotChannel {
  return (ROBOT_CHANNELS as readonly string[]).includes(c);
}

export const PREFERENCE_CATEGORIES = ['new_notice', 'reminder', 'escalation', 'decision_needed', 'outcome'] as const;
export type PreferenceCategory = (typeof PREFERENCE_CATEGORIES)[number];

export const CATEGORY_LABELS: Record<PreferenceCategory, { zh: string; en: string }> = {
  new_notice: { zh: '新的整改通知', en: 'New notices' },
  reminder: { zh: '期限提醒', en: 'Reminders' },
  escalation: { zh: '逾期与逐级督办', en: 'Overdue and escalation' },
  decision_needed: { zh: '待我决定或审批', en: 'Decisions needed from me' },
  outcome: { zh: '办理结果', en: 'Outcomes' },
};

/** Message kinds (of notices, and of accountability proposals) by preference category. */
const CATEGORY_OF: Record<string, PreferenceCategory> = {
  new_notice: 'new_notice',
  reminder: 'reminder',
  escalation_reminder: 'reminder',
  proposal_reminder: 'reminder',
  overdue: 'escalation',
  escalated: 'escalation',
  escalation_decided: 'escalation',
  escalation_ended: 'escalation',
  decision_needed: 'decision_needed',
  report_submitted: 'decision_needed',
  extension_requested: 'decision_needed',
  proposal_drafted: 'decision_needed',
  proposal_approval_requested: 'decision_needed',
  proposal_submitted: 'decision_needed',
  acknowledged: 'outcome',
  review_outcome: 'outcome',
  extension_decided: 'outcome',
  withdrawn: 'outcome',
  proposal_returned: 'outcome',
  proposal_approved: 'outcome',
  proposal_decided: 'outcome',
  proposal_closed: 'outcome',
  proposal_triggered: 'decision_needed',
  // Incidents (issue 10)
  incident_new: 'new_notice',
  incident_confirm_requested: 'decision_needed',
  incident_report_reminder: 'reminder',
  incident_report_overdue: 'escalation',
  incident_outage_alert: 'escalation',
  incident_closing_report: 'decision_needed',
  incident_review_outcome: 'outcome',
};

export function categoryOf(kind: string): PreferenceCategory {
  return CATEGORY_OF[kind] ?? 'outcome';
}

/**
 * A unit's robot posts in the unit's group chat the messages addressed to the unit's own people —
 * not to university leaders who supervise it, who are reached by a robot of their own.
 */
export const UNIT_GROUP_ROLES = ['liaison', 'direct_responsible', 'first_responsible', 'leadership_member'] as const;

/** Stored choices: person → category → channels (absent = defaults). */
export type StoredPreferences = Map<string, Map<PreferenceCategory, OptionalChannel[]>>;

export async function getStoredPreferences(q: Queryable, personIds: readonly string[], category?: PreferenceCategory): Promise<StoredPreferences> {
  if (personIds.length === 0) return new Map();
  const rows = (
    await q.query<PreferenceRow>(
      `SELECT person_id, category, channels FROM notification_preferences
        WHERE person_id = ANY($1::text[]) ${category ? 'AND category = $2' : ''}`,
      category ? [[...personIds], category] : [[...personIds]],
    )
  ).rows;
  return toStoredPreferences(rows);
}

/** A stored choice as read (`notification_preferences`). */
export interface PreferenceRow {
  person_id: string;
  category: PreferenceCategory;
  channels: string[];
}

/** The rows as choices, channels no longer known left out. */
export function toStoredPreferences(rows: readonly PreferenceRow[]): StoredPreferences {
  const out: StoredPreferences = new Map();
  for (const r of rows) {
    const m = out.get(r.person_id) ?? new Map<PreferenceCategory, OptionalChannel[]>();
    m.set(r.category, r.channels.filter((c): c is OptionalChannel => (OPTIONAL_CHANNELS as readonly string[]).includes(c)));
    out.set(r.person_id, m);
  }
  return out;
}

/** Sets (an array) or resets to the defaults (null) the channels of the given categories. */
export async function setPreferences(
  db: Db,
  personId: string,
  changes: Partial<Record<PreferenceCategory, OptionalChannel[] | null>>,
): Promise<void> {
  await db.tx(async (q) => {
    for (const [category, channels] of Object.entries(changes)) {
      if (channels === null || channels === undefined) {
        await q.query('DELETE FROM notification_preferences WHERE person_id = $1 AND category = $2', [personId, category]);
      } else {
        await q.query(
          `INSERT INTO notification_preferences (person_id, category, channels, updated_at) VALUES ($1, $2, $3::text[], now())
           ON CONFLICT (person_id, category) DO UPDATE SET channels = EXCLUDED.channels, updated_at = now()`,
          [personId, category, [...new Set(channels)]],
        );
      }
    }
  });
}
