// What the three proposal screens share: the proposal as GET /api/accountability-proposals/:id
// answers it, Art. 7's item numbers, and which actions the signed-in person may take in the
// proposal's state (the same questions domain/access.ts and domain/accountability.ts ask; the API
// still decides).
import { i18n } from '../../i18n';
import { GLOSSARY, label } from '../../labels';
import { hasRole } from '../../session';

export interface Deadline {
  at: string;
  explanation: { zh: string; en: string; warnings: string[] };
}

export interface IndividualRow {
  personId: string;
  responsibility: string;
  measure: string | null;
  reason: string;
}

export interface Attribution {
  individuals: IndividualRow[];
  collective: { mainLeadership: string[]; importantLeadership: string[]; measures: Array<{ measure: string; reason: string }> } | null;
}

export interface Decision {
  body: string;
  by: string;
  at: string;
  decision: string;
  measures: { individuals: Array<{ personId: string; measure: string | null }>; collective: string[] };
  reason: string;
  reviewOpened?: boolean;
}

export type Origin =
  | { kind: 'office'; by: string }
  | { kind: 'escalation'; noticeId: string; level: number; leaderId: string; asked?: string[] }
  | { kind: 'trigger'; rule: string; article: string; dedupeKey: string; facts: Record<string, unknown>; incidentIds: string[]; firedBy: string };

export interface Proposal {
  id: string;
  unitId: string;
  unitName: string;
  trigger: string;
  facts: string;
  factsAt: string;
  noticeIds: string[];
  evidence: Array<{ name: string; sha256: string }>;
  origin: Origin;
  attribution: Attribution;
  status: string;
  createdAt: string;
  createdBy: string;
  requestedAt?: string;
  approveBy?: Deadline;
  approval?: { by: string; at: string; comment: string };
  decideBy?: Deadline;
  returns: Array<{ by: string; at: string; reason: string }>;
  decisions: Partial<Record<string, Decision>>;
  closedAt?: string;
  notRecorded?: { zh: string; en: string };
  names: Record<string, string>;
  /** As TimelineList.vue shows it. */
  timeline: Array<{ seq: number; type: string; actorId: string | null; actorName: string | null; at: string; data: Record<string, unknown> }>;
}

export const BODIES = ['party_committee', 'discipline_committee'] as const;
export const TRIGGER_CODES = Object.keys(GLOSSARY.triggers) as Array<keyof typeof GLOSSARY.triggers>;
export const INDIVIDUAL_MEASURES = Object.keys(GLOSSARY.individualMeasures);
export const COLLECTIVE_MEASURES = Object.keys(GLOSSARY.collectiveMeasures);
/** The unit's leadership at the time of the facts may bear leadership responsibility (api/proposals.ts). */
export const LEADERSHIP_ROLES = ['first_responsible', 'principal', 'direct_responsible', 'leadership_member'];

const ZH_NUMERALS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** "第七条第（二）项" / "Art. 7(2)": where in the regulation the situation is. */
export function triggerItem(code: string): string {
  const item = (GLOSSARY.triggers as Record<string, { item: number }>)[code]?.item;
  if (!item) return code;
  return i18n.global.t('prop.article', { n: i18n.global.locale.value === 'en' ? String(item) : ZH_NUMERALS[item] });
}

/** The item and the situation's words. */
export function triggerText(code: string): string {
  return `${triggerItem(code)} ${label('triggers', code)}`;
}

export type Kinds = 'individual' | 'collective' | 'both';

/** Which responsibility the attribution keeps (as domain/accountability.ts's attributionKinds). */
export function kindsOf(a: Attribution): Kinds {
  if (a.collective && a.individuals.length > 0) return 'both';
  return a.collective ? 'collective' : 'individual';
}

export function statusTag(status: string): 'success' | 'info' | 'warning' | 'danger' | 'primary' {
  if (status === 'closed') return 'success';
  if (status === 'returned') return 'warning';
  if (status === 'not_created') return 'danger';
  if (status === 'draft') return 'info';
  return 'primary';
}

/** The actions the person's roles allow in the proposal's state. */
export function mayDo(p: Proposal): { edit: boolean; approve: boolean; decide: string[] } {
  return {
    edit: hasRole('office') && (p.status === 'draft' || p.status === 'returned'),
    approve: hasRole('cybersecurity_leader') && p.status === 'awaiting_approval',
    decide: p.status === 'submitted' ? BODIES.filter((b) => hasRole(b) && !p.decisions[b]) : [],
  };
}

/** A Beijing date ("YYYY-MM-DD") and time ("HH:mm:ss") → an ISO instant. */
export function beijingDateTime(date: string, time: string): string {
  return new Date(`${date}T${time.length === 5 ? `${time}:00` : time}+08:00`).toISOString();
}

/** The Beijing date and time of an instant, for the date and time pickers. */
export function beijingParts(at: Date): { date: string; time: string } {
  const iso = new Date(at.getTime() + 8 * 3600000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}
