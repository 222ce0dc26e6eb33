/**
 * The cybersecurity incident (网络安全事件) as a pure state machine, in the style of domain/notice.ts:
 * its clocks (reporting from detection; the outage of an important system), the handling steps
 * (containment, restoration and its confirmation, the closing report with evidence and its review),
 * the office's marks (serious impact, linked notices, closing) and the unit's confirmation of an
 * incident the office recorded. The incident workflow wires these to updates and timers; the
 * triggers of Art. 7 read the state (domain/triggers.ts). No I/O, no clock: `now` is passed in.
 */
import { RuleViolation, type Actor, type EvidenceItem } from './notice';
import {
  INCIDENT_STATUS_LABELS,
  type IncidentGrade,
  type IncidentSource,
  type IncidentStatus,
  type IncidentType,
  type TriggerRule,
} from './glossary';
import type { TriggerSettings } from './incident-policy';
import type { Audience } from './org';

export {
  INCIDENT_TYPES,
  INCIDENT_TYPE_LABELS,
  INCIDENT_GRADES,
  INCIDENT_GRADE_LABELS,
  INCIDENT_STATUSES,
  INCIDENT_STATUS_LABELS,
  INCIDENT_SOURCES,
  INCIDENT_SOURCE_LABELS,
} from './glossary';
export type { IncidentType, IncidentGrade, IncidentStatus, IncidentSource } from './glossary';

/** An affected system as it stood in the register when the incident was recorded. */
export interface AffectedSystem {
  id: string;
  name: string;
  important: boolean;
  cii: boolean;
  protectionLevel: number;
}

export interface IncidentClocks {
  /** Reporting window from detection, per the policy for the grade (CII or not). */
  reportWithinMs: number;
  reportWithin: string;
  reportDueAt: string;
  /** Offsets before the reporting deadline. */
  reportRemindersMs: number[];
  /** The outage clock: only for an important system that is down. */
  outage: { startedAt: string; alertAfterMs: number } | null;
}

export interface IncidentInput {
  id: string;
  unitId: string;
  title: string;
  type: IncidentType;
  grade: IncidentGrade;
  systems: AffectedSystem[];
  startedAt: string;
  detectedAt: string;
  detectedBy: string;
  impact: string;
  measures: string;
  /** Whether an affected system is down (starts the outage clock when one of them is important). */
  outage: boolean;
  source: IncidentSource;
  recordedBy: Actor;
  recordedAt: string;
  clocks: IncidentClocks;
  triggers: TriggerSettings;
  /** Up to which chain level (1–5) a new incident is announced. */
  notifyChainUpTo: number;
  proposalTiming: { approveWithinMs: number; decideWithinMs: number; remindersMs: number[] };
}

export interface IncidentReport {
  at: string;
  by: string;
  summary: string;
  /** How much after the reporting deadline it came; 0 on time. */
  lateByMs: number;
}

export interface ClosingReport {
  round: number;
  summary: string;
  measures: string;
  evidence: EvidenceItem[];
  submittedBy: string;
  submittedAt: string;
  review?: { decision: 'accept' | 'reject'; comment: string; by: string; at: string };
}

export interface Firing {
  rule: TriggerRule;
  dedupeKey: string;
  proposalId?: string;
  at: string;
}

export interface IncidentState extends Omit<IncidentInput, 'recordedBy'> {
  recordedBy: string;
  status: IncidentStatus;
  /** The unit's report; a unit that records the incident reports it by doing so. */
  report: IncidentReport | null;
  /** The reporting deadline passed without a report. */
  reportOverdue: boolean;
  /** Recorded when the office closed the incident without the unit ever reporting it. */
  neverReported: boolean;
  /** The unit's confirmation of an incident the office recorded. */
  confirmation: { by: string; at: string; agrees: boolean; comment: string } | null;
  containment: { by: string; at: string; measures: string } | null;
  restoration: {
    restoredAt: string;
    by: string;
    at: string;
    summary: string;
    confirmed?: { by: string; at: string };
  } | null;
  outageAlerted: boolean;
  seriousImpact: { by: string; at: string; reason: string } | null;
  closingReports: ClosingReport[];
  noticeIds: string[];
  firings: Firing[];
  remindersSent: number[];
  closedAt?: string;
  closure?: { by: string; at: string; via: 'review' | 'office'; reason: string };
  version: number;
}

export function isImportant(state: Pick<IncidentInput, 'systems'>): boolean {
  return state.systems.some((s) => s.important);
}

export function isCii(systems: AffectedSystem[]): boolean {
  return systems.some((s) => s.cii);
}

export function initialIncidentState(input: IncidentInput): IncidentState {
  const unitReports = input.source === 'unit';
  const due = Date.parse(input.clocks.reportDueAt);
  return {
    ...clone(input),
    recordedBy: input.recordedBy.id,
    status: 'open',
    report: unitReports
      ? { at: input.recordedAt, by: input.recordedBy.id, summary: input.impact, lateByMs: Math.max(0, Date.parse(input.recordedAt) - due) }
      : null,
    reportOverdue: unitReports && Date.parse(input.recordedAt) > due,
    neverReported: false,
    confirmation: null,
    containment: null,
    restoration: null,
    outageAlerted: false,
    seriousImpact: null,
    closingReports: [],
    noticeIds: [],
    firings: [],
    remindersSent: [],
    version: 0,
  };
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** How long the important system has been (or was) down, at `now`; null without an outage clock. */
export function outageDurationMs(state: IncidentState, now: number): number | null {
  if (!state.clocks.outage) return null;
  const end = state.restoration ? Date.parse(state.restoration.restoredAt) : now;
  return Math.max(0, end - Date.parse(state.clocks.outage.startedAt));
}

// ---- Rules ----

function requireCapacity(actor: Actor, capacity: Actor['capacity'], zh: string, en: string): void {
  if (actor.capacity !== capacity) throw new RuleViolation('forbidden', zh, en);
}

function requireStatus(state: IncidentState, allowed: IncidentStatus[], action: { zh: string; en: string }): void {
  if (!allowed.includes(state.status)) {
    const s = INCIDENT_STATUS_LABELS[state.status];
    throw new RuleViolation('invalid_state', `事件当前状态为“${s.zh}”，不能${action.zh}`, `The incident is ${s.en}; it cannot be ${action.en} now`);
  }
}

function requireText(value: string | undefined, zh: string, en: string): string {
  const v = (value ?? '').trim();
  if (!v) throw new RuleViolation('invalid_input', zh, en);
  return v;
}

const HANDLING: IncidentStatus[] = ['open', 'contained', 'restored'];
const UNIT_ONLY = (what: string, en: string) => [`只有事发单位可以${what}`, `Only the unit concerned can ${en}`] as const;
const OFFICE_ONLY = (what: string, en: string) => [`只有领导小组办公室可以${what}`, `Only the office can ${en}`] as const;

/** What a new incident must satisfy (the API checks it before the workflow starts). */
export function checkIncidentInput(input: { startedAt: string; detectedAt: string }, now: number): void {
  const started = Date.parse(input.startedAt);
  const detected = Date.parse(input.detectedAt);
  if (Number.isNaN(started) || Number.isNaN(detected)) throw new RuleViolation('invalid_input', '时间无效', 'Invalid time');
  if (started > detected) throw new RuleViolation('invalid_input', '发生时间不能晚于发现时间', 'The incident cannot start after it was detected');
  if (detected > now + 60_000) throw new RuleViolation('invalid_input', '发现时间不能晚于当前时间', 'The detection cannot lie in the future');
}

export function checkReport(state: IncidentState, actor: Actor, summary: string): void {
  requireCapacity(actor, 'unit', ...UNIT_ONLY('报告事件', 'report the incident'));
  if (state.report) throw new RuleViolation('invalid_state', '本事件已报告', 'The incident has been reported already');
  requireStatus(state, HANDLING, { zh: '报告', en: 'reported' });
  requireText(summary, '报告须写明事件情况', 'The report needs a summary');
}

export function checkConfirm(state: IncidentState, actor: Actor, input: { agrees: boolean; comment?: string }): void {
  requireCapacity(actor, 'unit', ...UNIT_ONLY('确认事件', 'confirm the incident'));
  if (state.source === 'unit') throw new RuleViolation('invalid_state', '本事件由单位自行报告，无需确认', 'The unit recorded this incident itself; nothing to confirm');
  if (state.confirmation) throw new RuleViolation('invalid_state', '单位已确认本事件', 'The unit has confirmed this incident already');
  requireStatus(state, [...HANDLING, 'under_review'], { zh: '确认', en: 'confirmed' });
  if (!input.agrees) requireText(input.comment, '对事件有异议须说明理由', 'Disputing the incident needs a reason');
}

export function checkContain(state: IncidentState, actor: Actor, measures: string): void {
  requireCapacity(actor, 'unit', ...UNIT_ONLY('记录处置措施', 'record containment'));
  requireStatus(state, ['open'], { zh: '记录控制措施', en: 'contained' });
  requireText(measures, '须写明已采取的控制措施', 'Containment needs the measures taken');
}

export function checkRestore(state: IncidentState, actor: Actor, input: { restoredAt: string; summary: string }, now: number): void {
  requireCapacity(actor, 'unit', ...UNIT_ONLY('记录恢复', 'record restoration'));
  requireStatus(state, ['open', 'contained'], { zh: '记录恢复', en: 'restored' });
  requireText(input.summary, '须写明恢复情况', 'Restoration needs a summary');
  const t = Date.parse(input.restoredAt);
  if (Number.isNaN(t)) throw new RuleViolation('invalid_input', '恢复时间无效', 'restoredAt is not a valid time');
  if (t > now + 60_000) throw new RuleViolation('invalid_input', '恢复时间不能晚于当前时间', 'restoredAt cannot lie in the future');
  const from = Date.parse(state.clocks.outage?.startedAt ?? state.startedAt);
  if (t < from) throw new RuleViolation('invalid_input', '恢复时间不能早于中断开始时间', 'restoredAt cannot be before the outage started');
}

export function checkConfirmRestoration(state: IncidentState, actor: Actor, input: { decision: 'confirm' | 'reject'; comment?: string }): void {
  requireCapacity(actor, 'office', ...OFFICE_ONLY('确认恢复', 'confirm restoration'));
  if (!state.restoration) throw new RuleViolation('invalid_state', '单位尚未记录恢复', 'The unit has not recorded restoration');
  if (state.restoration.confirmed) throw new RuleViolation('invalid_state', '恢复已确认', 'Restoration has been confirmed already');
  requireStatus(state, ['restored'], { zh: '确认恢复', en: 'confirmed as restored' });
  if (input.decision === 'reject') requireText(input.comment, '不予确认恢复须说明理由', 'Rejecting the restoration needs a reason');
}

export interface ClosingReportInput {
  summary: string;
  measures: string;
  evidence: EvidenceItem[];
}

export function checkClosingReport(state: IncidentState, actor: Actor, input: ClosingReportInput): void {
  requireCapacity(actor, 'unit', ...UNIT_ONLY('提交总结报告', 'submit the closing report'));
  requireStatus(state, HANDLING, { zh: '提交总结报告', en: 'reported on' });
  if (state.clocks.outage && !state.restoration?.confirmed) {
    throw new RuleViolation('invalid_state', '系统中断须先记录恢复并经办公室确认', 'An outage must be restored and the restoration confirmed first');
  }
  requireText(input.summary, '总结报告须写明处置情况', 'The closing report needs a summary');
  requireText(input.measures, '总结报告须写明整改措施', 'The closing report needs the measures');
  if (input.evidence.length === 0) throw new RuleViolation('invalid_input', '总结报告须附至少一项佐证材料', 'The closing report needs at least one evidence item');
}

export function checkReview(state: IncidentState, actor: Actor, input: { decision: 'accept' | 'reject'; comment?: string }): void {
  requireCapacity(actor, 'office', ...OFFICE_ONLY('审核总结报告', 'review the closing report'));
  requireStatus(state, ['under_review'], { zh: '审核', en: 'reviewed' });
  if (input.decision === 'reject') requireText(input.comment, '退回须说明理由', 'Sending a report back needs a reason');
}

export function checkMarkSerious(state: IncidentState, actor: Actor, reason: string): void {
  requireCapacity(actor, 'office', ...OFFICE_ONLY('认定影响严重', 'mark the impact serious'));
  if (state.seriousImpact) throw new RuleViolation('invalid_state', '已认定影响严重', 'The impact has been marked serious already');
  if (state.status === 'closed') requireStatus(state, HANDLING, { zh: '认定影响', en: 'marked' });
  requireText(reason, '须写明影响严重的依据', 'Give the grounds for a serious impact');
}

export function checkLinkNotice(state: IncidentState, actor: Actor, noticeId: string): void {
  requireCapacity(actor, 'office', ...OFFICE_ONLY('关联整改通知', 'link a notice'));
  if (state.noticeIds.includes(noticeId)) throw new RuleViolation('invalid_state', `已关联通知 ${noticeId}`, `Notice ${noticeId} is linked already`);
}

export function checkClose(state: IncidentState, actor: Actor, reason: string): void {
  requireCapacity(actor, 'office', ...OFFICE_ONLY('办结事件', 'close the incident'));
  requireStatus(state, [...HANDLING, 'under_review'], { zh: '办结', en: 'closed' });
  requireText(reason, '办结须说明理由', 'Closing needs a reason');
}

// ---- Transitions: the caller has validated first. ----

function handlingStatus(state: IncidentState): IncidentStatus {
  if (state.restoration) return 'restored';
  if (state.containment) return 'contained';
  return 'open';
}

export function report(state: IncidentState, actor: Actor, summary: string, now: string): IncidentReport {
  const lateByMs = Math.max(0, Date.parse(now) - Date.parse(state.clocks.reportDueAt));
  state.report = { at: now, by: actor.id, summary: summary.trim(), lateByMs };
  return state.report;
}

export function confirm(state: IncidentState, actor: Actor, input: { agrees: boolean; comment?: string }, now: string): void {
  state.confirmation = { by: actor.id, at: now, agrees: input.agrees, comment: (input.comment ?? '').trim() };
}

export function contain(state: IncidentState, actor: Actor, measures: string, now: string): void {
  state.containment = { by: actor.id, at: now, measures: measures.trim() };
  state.status = 'contained';
}

export function restore(state: IncidentState, actor: Actor, input: { restoredAt: string; summary: string }, now: string): void {
  state.restoration = { restoredAt: new Date(Date.parse(input.restoredAt)).toISOString(), by: actor.id, at: now, summary: input.summary.trim() };
  state.status = 'restored';
}

export function confirmRestoration(state: IncidentState, actor: Actor, input: { decision: 'confirm' | 'reject' }, now: string): void {
  if (input.decision === 'confirm') {
    state.restoration!.confirmed = { by: actor.id, at: now };
    return;
  }
  state.restoration = null;
  state.status = handlingStatus(state);
}

export function submitClosingReport(state: IncidentState, actor: Actor, input: ClosingReportInput, now: string): ClosingReport {
  const r: ClosingReport = {
    round: state.closingReports.length + 1,
    summary: input.summary.trim(),
    measures: input.measures.trim(),
    evidence: input.evidence,
    submittedBy: actor.id,
    submittedAt: now,
  };
  state.closingReports.push(r);
  state.status = 'under_review';
  return r;
}

function close(state: IncidentState, actor: Actor, via: 'review' | 'office', reason: string, now: string): void {
  state.status = 'closed';
  state.closedAt = now;
  state.closure = { by: actor.id, at: now, via, reason };
  if (!state.report) state.neverReported = true;
}

export function review(state: IncidentState, actor: Actor, input: { decision: 'accept' | 'reject'; comment?: string }, now: string): void {
  const current = state.closingReports[state.closingReports.length - 1];
  const comment = (input.comment ?? '').trim();
  current.review = { decision: input.decision, comment, by: actor.id, at: now };
  if (input.decision === 'accept') close(state, actor, 'review', comment, now);
  else state.status = handlingStatus(state);
}

export function closeByOffice(state: IncidentState, actor: Actor, reason: string, now: string): void {
  close(state, actor, 'office', reason.trim(), now);
}

export function markSerious(state: IncidentState, actor: Actor, reason: string, now: string): void {
  state.seriousImpact = { by: actor.id, at: now, reason: reason.trim() };
}

export function linkNotice(state: IncidentState, noticeId: string): void {
  state.noticeIds.push(noticeId);
}

// ---- Clocks ----

export type IncidentTimer =
  | { kind: 'report_reminder'; at: number; offsetMs: number }
  | { kind: 'report_overdue'; at: number }
  | { kind: 'outage_alert'; at: number }
  /** Art. 7(2)'s threshold, watched once the office has marked the impact serious. */
  | { kind: 'outage_threshold'; at: number };

/**
 * The next timed event: a reminder before the reporting deadline, the deadline itself while no
 * report has come, and the outage alert while an important system is still down.
 */
export function nextIncidentTimer(state: IncidentState): IncidentTimer | null {
  if (state.status === 'closed') return null;
  const out: IncidentTimer[] = [];
  if (!state.report) {
    const due = Date.parse(state.clocks.reportDueAt);
    const from = Date.parse(state.recordedAt);
    for (const offsetMs of state.clocks.reportRemindersMs) {
      const at = due - offsetMs;
      if (at >= from && !state.remindersSent.includes(offsetMs)) out.push({ kind: 'report_reminder', at, offsetMs });
    }
    if (!state.reportOverdue) out.push({ kind: 'report_overdue', at: due });
  }
  const o = state.clocks.outage;
  if (o && !state.restoration && !state.outageAlerted) out.push({ kind: 'outage_alert', at: Date.parse(o.startedAt) + o.alertAfterMs });
  if (o && !state.restoration && state.seriousImpact && state.triggers.outage.enabled && !state.firings.some((f) => f.rule === 'outage_threshold')) {
    out.push({ kind: 'outage_threshold', at: Date.parse(o.startedAt) + state.triggers.outage.thresholdMs });
  }
  if (out.length === 0) return null;
  out.sort((a, b) => a.at - b.at);
  return out[0];
}

// ---- Who hears of it ----


/**
 * A new incident goes to the office and to the unit's liaisons and chain up to `upTo` (1 the
 * direct responsible person … 5 the party secretary), per the policy for its grade.
 */
export function newIncidentAudience(unitId: string, upTo: number): Audience[] {
  const unitRoles: Array<'liaison' | 'direct_responsible' | 'first_responsible' | 'supervising_leader'> = ['liaison'];
  if (upTo >= 1) unitRoles.push('direct_responsible');
  if (upTo >= 2) unitRoles.push('first_responsible');
  if (upTo >= 3) unitRoles.push('supervising_leader');
  const university: Array<'office' | 'cybersecurity_leader' | 'party_secretary'> = ['office'];
  if (upTo >= 4) university.push('cybersecurity_leader');
  if (upTo >= 5) university.push('party_secretary');
  return [{ universityRoles: university }, { unitId, unitRoles }];
}
