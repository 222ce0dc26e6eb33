/**
 * The rectification notice (整改通知) as a pure state machine: states, the rules that say which
 * action is allowed when, and the transitions. The notice workflow wires these to Temporal updates
 * and timers; keeping them here makes every rule testable without a server, and keeps the workflow
 * free of anything but orchestration. No I/O, no clock: `now` is always passed in.
 */
import type { Deadline } from './deadlines';
import { reminderInstant } from './reminders';
import { STATUS_LABELS, type NoticeStatus } from './glossary';
import { RuleViolation, type Actor } from './rules';
import type {
  EvidenceItem,
  ExtensionRequest,
  NoticeInput,
  NoticeState,
  OverdueKind,
  Rectification,
} from './notice-state';

export type * from './notice-state';
export { RuleViolation, SYSTEM_ACTOR, type Actor } from './rules';

export { CATEGORIES, CATEGORY_LABELS, SEVERITY_LEVELS, NOTICE_STATUSES, STATUS_LABELS } from './glossary';
export type { Category, SeverityLevel, NoticeStatus } from './glossary';


export function initialState(input: NoticeInput): NoticeState {
  return {
    id: input.id,
    unitId: input.unitId,
    title: input.title,
    category: input.category,
    severity: input.severity,
    description: input.description,
    assets: input.assets,
    issuedBy: input.issuedBy.id,
    issuedAt: input.issuedAt,
    status: 'issued',
    overdue: null,
    acknowledgeBy: input.acknowledgeBy,
    rectifyBy: input.rectifyBy,
    rectifications: [],
    extensions: [],
    remindersSent: [],
    reminders: input.reminders,
    maxExtensions: input.maxExtensions,
    escalations: [],
    escalationPlan: input.escalation,
    version: 0,
  };
}

export function isTerminal(status: NoticeStatus): boolean {
  return status === 'closed' || status === 'withdrawn' || status === 'not_issued';
}

function requireCapacity(actor: Actor, capacity: Actor['capacity'], zh: string, en: string): void {
  if (actor.capacity !== capacity) throw new RuleViolation('forbidden', zh, en);
}

function requireStatus(state: NoticeState, allowed: NoticeStatus[], action: { zh: string; en: string }): void {
  if (!allowed.includes(state.status)) {
    const s = STATUS_LABELS[state.status];
    throw new RuleViolation(
      'invalid_state',
      `通知当前状态为“${s.zh}”，不能${action.zh}`,
      `The notice is ${s.en}; it cannot be ${action.en} now`,
    );
  }
}

function requireText(value: string | undefined, zh: string, en: string): string {
  const v = (value ?? '').trim();
  if (!v) throw new RuleViolation('invalid_input', zh, en);
  return v;
}

function parseInstant(value: string, field: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RuleViolation('invalid_input', `${field} 不是有效时间`, `${field} is not a valid time`);
  return t;
}

// ---- Validators: throw RuleViolation when the action is not allowed now. ----

export function checkAcknowledge(state: NoticeState, actor: Actor): void {
  requireCapacity(actor, 'unit', '只有被通知单位可以签收', 'Only the notified unit can acknowledge');
  requireStatus(state, ['issued'], { zh: '签收', en: 'acknowledged' });
}

export interface RectificationReport {
  summary: string;
  measures: string;
  evidence: EvidenceItem[];
}

export function checkSubmitRectification(state: NoticeState, actor: Actor, report: RectificationReport): void {
  requireCapacity(actor, 'unit', '只有被通知单位可以提交整改报告', 'Only the notified unit can submit a rectification report');
  requireStatus(state, ['rectifying'], { zh: '提交整改报告（请先签收）', en: 'reported on (acknowledge it first)' });
  requireText(report.summary, '整改报告须填写整改情况概述', 'The report needs a summary');
  requireText(report.measures, '整改报告须填写已采取的措施', 'The report needs the measures taken');
  if (report.evidence.length === 0) {
    throw new RuleViolation('invalid_input', '整改报告须附至少一项佐证材料', 'The report needs at least one evidence item');
  }
}

export interface ReviewInput {
  decision: 'accept' | 'reject';
  comment?: string;
  /** With a rejection: a new rectification deadline, when the old one is too close or passed. */
  rectifyBy?: string;
}

export function checkReview(state: NoticeState, actor: Actor, input: ReviewInput, now: number): void {
  requireCapacity(actor, 'office', '只有领导小组办公室可以审核整改报告', 'Only the office can review a rectification report');
  requireStatus(state, ['under_review'], { zh: '审核', en: 'reviewed' });
  if (input.decision === 'reject') {
    requireText(input.comment, '退回整改须说明理由', 'Sending a report back needs a reason');
    if (input.rectifyBy !== undefined && parseInstant(input.rectifyBy, 'rectifyBy') <= now) {
      throw new RuleViolation('invalid_input', '新的整改期限必须晚于当前时间', 'The new rectification deadline must be in the future');
    }
  }
}

export function checkWithdraw(state: NoticeState, actor: Actor, reason: string): void {
  requireCapacity(actor, 'office', '只有领导小组办公室可以撤回通知', 'Only the office can withdraw a notice');
  requireStatus(state, ['issued', 'rectifying', 'under_review'], { zh: '撤回', en: 'withdrawn' });
  requireText(reason, '撤回通知须说明理由', 'Withdrawing a notice needs a reason');
}

export interface ExtensionInput {
  id: string;
  until: string;
  reason: string;
}

export function checkRequestExtension(state: NoticeState, actor: Actor, input: ExtensionInput, now: number): void {
  requireCapacity(actor, 'unit', '只有被通知单位可以申请延期', 'Only the notified unit can request an extension');
  requireStatus(state, ['issued', 'rectifying'], { zh: '申请延期', en: 'extended' });
  requireText(input.reason, '延期申请须说明理由', 'An extension request needs a reason');
  if (state.extensions.some((e) => e.status === 'pending')) {
    throw new RuleViolation('invalid_state', '已有一项延期申请待审批', 'An extension request is already pending');
  }
  if (state.extensions.some((e) => e.id === input.id)) {
    throw new RuleViolation('invalid_state', '该延期申请已存在', 'That extension request already exists');
  }
  const until = parseInstant(input.until, 'until');
  if (until <= now || until <= Date.parse(state.rectifyBy.at)) {
    throw new RuleViolation(
      'invalid_input',
      '申请的新期限必须晚于当前整改期限和当前时间',
      'The requested deadline must be later than the current rectification deadline and now',
    );
  }
  const approved = state.extensions.filter((e) => e.status === 'approved').length;
  if (approved >= state.maxExtensions) {
    throw new RuleViolation(
      'invalid_state',
      `本通知已获批延期${approved}次，达到上限`,
      `This notice has had ${approved} extensions approved, the maximum`,
    );
  }
}

export interface ExtensionDecisionInput {
  requestId: string;
  decision: 'approve' | 'deny';
  comment?: string;
}

export function checkDecideExtension(state: NoticeState, actor: Actor, input: ExtensionDecisionInput): ExtensionRequest {
  requireCapacity(actor, 'office', '只有领导小组办公室可以审批延期申请', 'Only the office can decide an extension request');
  const req = state.extensions.find((e) => e.id === input.requestId);
  if (!req) throw new RuleViolation('not_found', '找不到该延期申请', 'No such extension request');
  if (req.status !== 'pending') {
    throw new RuleViolation('invalid_state', '该延期申请已审批', 'That extension request has already been decided');
  }
  if (isTerminal(state.status)) requireStatus(state, ['issued', 'rectifying', 'under_review'], { zh: '审批延期', en: 'extended' });
  if (input.decision === 'deny') requireText(input.comment, '不予延期须说明理由', 'Denying an extension needs a reason');
  return req;
}

// ---- Transitions: mutate the state; the caller has validated first. ----

export function acknowledge(state: NoticeState, actor: Actor, now: string): void {
  state.status = 'rectifying';
  state.acknowledgedAt = now;
  state.acknowledgedBy = actor.id;
  if (state.overdue === 'acknowledge') state.overdue = null;
  // Acknowledged late, and the rectification deadline has passed meanwhile.
  if (Date.parse(state.rectifyBy.at) <= Date.parse(now)) state.overdue = 'rectify';
}

export function submitRectification(state: NoticeState, actor: Actor, report: RectificationReport, now: string): Rectification {
  const r: Rectification = {
    round: state.rectifications.length + 1,
    summary: report.summary.trim(),
    measures: report.measures.trim(),
    evidence: report.evidence,
    submittedBy: actor.id,
    submittedAt: now,
  };
  state.rectifications.push(r);
  state.status = 'under_review';
  return r;
}

export function review(state: NoticeState, actor: Actor, input: ReviewInput, now: string, newDeadline?: Deadline): void {
  const current = state.rectifications[state.rectifications.length - 1];
  current.review = { decision: input.decision, comment: (input.comment ?? '').trim(), by: actor.id, at: now };
  if (input.decision === 'accept') {
    state.status = 'closed';
    state.closedAt = now;
    state.overdue = null;
    return;
  }
  state.status = 'rectifying';
  if (newDeadline) {
    state.rectifyBy = newDeadline;
    state.overdue = null;
  }
}

export function withdraw(state: NoticeState, actor: Actor, reason: string, now: string): void {
  state.status = 'withdrawn';
  state.closedAt = now;
  state.withdrawal = { by: actor.id, at: now, reason: reason.trim() };
  for (const e of state.extensions) if (e.status === 'pending') e.status = 'denied';
}

export function requestExtension(state: NoticeState, actor: Actor, input: ExtensionInput, now: string): ExtensionRequest {
  const req: ExtensionRequest = {
    id: input.id,
    until: new Date(Date.parse(input.until)).toISOString(),
    reason: input.reason.trim(),
    requestedBy: actor.id,
    requestedAt: now,
    status: 'pending',
  };
  state.extensions.push(req);
  return req;
}

export function decideExtension(
  state: NoticeState,
  actor: Actor,
  input: ExtensionDecisionInput,
  now: string,
  newDeadline?: Deadline,
): ExtensionRequest {
  const req = state.extensions.find((e) => e.id === input.requestId)!;
  req.status = input.decision === 'approve' ? 'approved' : 'denied';
  req.decidedBy = actor.id;
  req.decidedAt = now;
  req.comment = (input.comment ?? '').trim();
  if (req.status === 'approved' && newDeadline) {
    state.rectifyBy = newDeadline;
    if (state.overdue === 'rectify' && Date.parse(newDeadline.at) > Date.parse(now)) state.overdue = null;
  }
  return req;
}

// ---- Timers: what the workflow waits for next. ----

export type TimerEvent =
  | { kind: 'reminder'; deadline: OverdueKind; at: number; key: string; offsetMs: number }
  | { kind: 'overdue'; deadline: OverdueKind; at: number };

/**
 * The next timed event, or null when nothing is timed. Reminders are sent only when they fall
 * after the deadline was set (so an extension that leaves 2 hours does not fire a stale "1 day
 * left" reminder) and before the deadline. The rectification clock does not run while the office
 * reviews a report: a late review is not the unit's fault.
 */
export function nextTimer(state: NoticeState): TimerEvent | null {
  const candidates: TimerEvent[] = [];
  const consider = (kind: OverdueKind, deadline: Deadline, offsets: number[]) => {
    const due = Date.parse(deadline.at);
    const setAt = Date.parse(deadline.explanation.from);
    for (const offsetMs of offsets) {
      const at = reminderInstant(state.id, kind, due, offsetMs, state.reminders.timing);
      const key = reminderKey(kind, deadline.at, offsetMs);
      if (at >= setAt && at < due && !state.remindersSent.includes(key)) {
        candidates.push({ kind: 'reminder', deadline: kind, at, key, offsetMs });
      }
    }
    if (state.overdue !== kind) candidates.push({ kind: 'overdue', deadline: kind, at: due });
  };
  if (state.status === 'issued' && state.overdue !== 'rectify') {
    consider('acknowledge', state.acknowledgeBy, state.reminders.acknowledge);
  }
  if ((state.status === 'rectifying' || state.status === 'issued') && state.overdue !== 'rectify') {
    consider('rectify', state.rectifyBy, state.status === 'rectifying' ? state.reminders.rectify : []);
  }
  if (candidates.length === 0) return null;
  // Earliest first; at the same instant an overdue wins over a reminder.
  candidates.sort((a, b) => a.at - b.at || (a.kind === 'overdue' ? -1 : 1));
  return candidates[0];
}

export function reminderKey(kind: OverdueKind, deadlineAt: string, offsetMs: number): string {
  return `${kind}@${deadlineAt}-${offsetMs}`;
}

/** Marks the notice overdue. Returns false when nothing changed. */
export function markOverdue(state: NoticeState, kind: OverdueKind): boolean {
  if (state.overdue === kind) return false;
  if (kind === 'acknowledge' && state.status !== 'issued') return false;
  state.overdue = kind;
  return true;
}

export interface ReminderDue {
  deadline: OverdueKind;
  offsetMs: number;
  /** ISO instant the reminder falls due. */
  at: string;
  sent: boolean;
}

/**
 * The reminders of the deadlines the notice is running towards, with when each falls due (shown on
 * the notice). The same rule as nextTimer: only those after the deadline was set and before it.
 */
export function reminderSchedule(state: NoticeState): ReminderDue[] {
  const out: ReminderDue[] = [];
  const add = (kind: OverdueKind, deadline: Deadline, offsets: number[]) => {
    const due = Date.parse(deadline.at);
    const setAt = Date.parse(deadline.explanation.from);
    for (const offsetMs of offsets) {
      const at = reminderInstant(state.id, kind, due, offsetMs, state.reminders.timing);
      if (at >= setAt && at < due) {
        out.push({ deadline: kind, offsetMs, at: new Date(at).toISOString(), sent: state.remindersSent.includes(reminderKey(kind, deadline.at, offsetMs)) });
      }
    }
  };
  if (isTerminal(state.status)) return out;
  if (state.status === 'issued') add('acknowledge', state.acknowledgeBy, state.reminders.acknowledge);
  add('rectify', state.rectifyBy, state.reminders.rectify);
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
