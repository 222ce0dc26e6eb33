/**
 * Escalation up the leadership chain (Art. 3, 6, 7): when a notice is overdue, responsibility
 * climbs one level at a time and the leader at each level decides. Pure rules; the notice workflow
 * runs them (escalation lives inside the notice's own workflow, so acceptance of the rectification
 * ends it in the same step, with no cross-workflow messages to lose).
 */
import type { Deadline } from './deadlines';
import { CHAIN, type ChainRole, type EscalationDecisionKind } from './glossary';
import { RuleViolation, type Actor } from './rules';
import type {
  Escalation,
  EscalationEndReason,
  EscalationPlan,
  EscalationStep,
  NoticeState,
  OverdueKind,
  ResolvedLevel,
} from './notice-state';

export type { Escalation, EscalationEndReason, EscalationPlan, EscalationStep, ResolvedLevel, StepOutcome } from './notice-state';

export { CHAIN, ESCALATION_DECISIONS as DECISIONS, ESCALATION_DECISION_LABELS as DECISION_LABELS, ESCALATION_END_LABELS } from './glossary';
export type { ChainRole, EscalationDecisionKind } from './glossary';

/** Accountability may be proposed from the supervising university leader upwards. */
export const MIN_PROPOSAL_LEVEL = 3;


export const TOP_LEVEL = CHAIN.length;

export function activeEscalation(state: NoticeState): Escalation | undefined {
  const last = state.escalations[state.escalations.length - 1];
  return last && last.status !== 'ended' ? last : undefined;
}

export function currentStep(e: Escalation): EscalationStep | undefined {
  const last = e.steps[e.steps.length - 1];
  return last && last.outcome === 'pending' ? last : undefined;
}

export function startEscalation(state: NoticeState, trigger: OverdueKind, now: string): Escalation {
  const e: Escalation = {
    id: `${state.id}-E${state.escalations.length + 1}`,
    round: state.escalations.length + 1,
    trigger,
    startedAt: now,
    status: 'awaiting_decision',
    level: 0,
    steps: [],
  };
  state.escalations.push(e);
  return e;
}

/** People already asked in this escalation: a level they hold again is skipped. */
export function askedInEscalation(e: Escalation): string[] {
  return e.steps.filter((s) => s.assigneeId && (s.outcome !== 'skipped_vacant')).map((s) => s.assigneeId!) ;
}

/**
 * Applies the levels resolved from `fromLevel` upwards: vacant ones and people already asked are
 * skipped (and recorded as skipped); the first one left becomes the pending step. Returns the
 * pending step, or undefined when the chain is exhausted.
 */
export function climb(e: Escalation, resolved: ResolvedLevel[], now: string, decideBy: (level: number) => Deadline | undefined): EscalationStep | undefined {
  const asked = new Set(askedInEscalation(e));
  for (const r of resolved) {
    if (!r.assigneeId) {
      e.steps.push({ level: r.level, role: r.role, assigneeId: null, reachedAt: now, outcome: 'skipped_vacant' });
      continue;
    }
    if (asked.has(r.assigneeId)) {
      e.steps.push({ level: r.level, role: r.role, assigneeId: r.assigneeId, reachedAt: now, outcome: 'skipped_already_asked' });
      continue;
    }
    const step: EscalationStep = {
      level: r.level,
      role: r.role,
      assigneeId: r.assigneeId,
      ...(r.delegateIds ? { delegateIds: r.delegateIds } : {}),
      reachedAt: now,
      outcome: 'pending',
      decideBy: decideBy(r.level),
      remindersSent: [],
    };
    e.steps.push(step);
    e.level = r.level;
    e.status = 'awaiting_decision';
    e.superviseUntil = undefined;
    return step;
  }
  return undefined;
}

export function endEscalation(e: Escalation, reason: EscalationEndReason, now: string): void {
  const step = currentStep(e);
  if (step) step.outcome = 'ended';
  e.status = 'ended';
  e.endReason = reason;
  e.endedAt = now;
}

/** Everyone who was actually asked to decide in this escalation (to tell them it ended). */
export function leadersAsked(e: Escalation): string[] {
  return [...new Set(e.steps.filter((s) => s.assigneeId && !s.outcome.startsWith('skipped')).map((s) => s.assigneeId!))];
}

export interface EscalationDecisionInput {
  escalationId: string;
  decision: EscalationDecisionKind;
  until?: string;
  comment?: string;
}

export function checkEscalationDecision(
  state: NoticeState,
  actor: Actor,
  input: EscalationDecisionInput,
  plan: EscalationPlan,
  now: number,
): void {
  const e = state.escalations.find((x) => x.id === input.escalationId);
  if (!e) throw new RuleViolation('not_found', '找不到该督办事项', 'No such escalation');
  const step = e.status === 'awaiting_decision' ? currentStep(e) : undefined;
  if (!step) {
    throw new RuleViolation('invalid_state', '该督办事项当前无需决定', 'This escalation is not waiting for a decision');
  }
  const delegateIds = plan.allowDelegates ? (step.delegateIds ?? []) : [];
  if (actor.id !== step.assigneeId && !delegateIds.includes(actor.id)) {
    const lvl = CHAIN[step.level - 1];
    const delegates = delegateIds.length > 0 ? { zh: '或其代理人', en: ' or their delegate' } : { zh: '', en: '' };
    throw new RuleViolation(
      'forbidden',
      `只有第${step.level}级（${lvl.zh}）${delegates.zh}可以作出决定`,
      `Only level ${step.level} (${lvl.en})${delegates.en} can decide`,
    );
  }
  const comment = (input.comment ?? '').trim();
  const until = input.until === undefined ? undefined : Date.parse(input.until);
  if (input.until !== undefined && Number.isNaN(until)) {
    throw new RuleViolation('invalid_input', 'until 不是有效时间', 'until is not a valid time');
  }
  switch (input.decision) {
    case 'supervise':
      if (until === undefined || until <= now) {
        throw new RuleViolation('invalid_input', '督办须指定晚于当前时间的完成期限 until', 'Supervision needs a completion date (until) in the future');
      }
      if (until > now + plan.maxSuperviseMs) {
        throw new RuleViolation(
          'invalid_input',
          `督办期限不得超过策略允许的 ${Math.round(plan.maxSuperviseMs / 3600000)} 小时`,
          `The supervision date may be at most ${Math.round(plan.maxSuperviseMs / 3600000)} hours away`,
        );
      }
      break;
    case 'extend':
      if (until === undefined || until <= now) {
        throw new RuleViolation('invalid_input', '延期须指定晚于当前时间的新期限 until', 'An extension needs a new deadline (until) in the future');
      }
      if (!comment) throw new RuleViolation('invalid_input', '延期须说明理由', 'An extension needs a reason');
      if (plan.maxExtendMs !== undefined && until > now + plan.maxExtendMs) {
        const h = Math.round(plan.maxExtendMs / 3600000);
        throw new RuleViolation(
          'invalid_input',
          `领导决定延期不得超过策略允许的 ${h} 小时（escalation.maxExtend）`,
          `A leader's extension may be at most ${h} hours away (policy escalation.maxExtend)`,
        );
      }
      break;
    case 'escalate':
      break;
    case 'propose_accountability':
      if (step.level < MIN_PROPOSAL_LEVEL) {
        throw new RuleViolation('forbidden', '只有校领导层级（第3–5级）可以提出问责', 'Only university leaders (levels 3–5) can propose accountability');
      }
      if (!comment) throw new RuleViolation('invalid_input', '提出问责须说明事实和理由', 'Proposing accountability needs the facts and reasons');
      break;
  }
}

/** Records the decision on the current step. The workflow then acts on it (climb, extend, …). */
export function recordDecision(e: Escalation, actor: Actor, input: EscalationDecisionInput, now: string): EscalationStep {
  const step = currentStep(e)!;
  step.outcome = 'decided';
  step.decision = {
    kind: input.decision,
    ...(input.until ? { until: new Date(Date.parse(input.until)).toISOString() } : {}),
    comment: (input.comment ?? '').trim(),
    by: actor.id,
    ...(actor.id !== step.assigneeId && step.assigneeId ? { onBehalfOf: step.assigneeId } : {}),
    at: now,
  };
  if (input.decision === 'supervise') {
    // The step stays current: the leader supervises, and if the date passes it climbs again.
    step.outcome = 'pending';
    e.status = 'supervising';
    e.superviseUntil = step.decision.until;
  }
  return step;
}

export type EscalationTimer =
  | { kind: 'decision_reminder'; at: number; offsetMs: number }
  | { kind: 'decision_timeout'; at: number }
  | { kind: 'supervision_lapsed'; at: number };

/**
 * The escalation's next timed event. Its clocks stop while the office reviews a report (a pending
 * review is not the unit's or a leader's delay) and start again if the report is sent back.
 */
export function nextEscalationTimer(state: NoticeState, plan: EscalationPlan): EscalationTimer | null {
  const e = activeEscalation(state);
  if (!e || state.status === 'under_review') return null;
  const step = currentStep(e);
  if (!step) return null;
  if (e.status === 'supervising') return { kind: 'supervision_lapsed', at: Date.parse(e.superviseUntil!) };
  if (!step.decideBy) return null;
  const due = Date.parse(step.decideBy.at);
  const reached = Date.parse(step.reachedAt);
  const reminders = plan.remindersMs
    .filter((ms) => !!step.assigneeId && due - ms >= reached && !(step.remindersSent ?? []).includes(ms))
    .map((ms) => ({ kind: 'decision_reminder' as const, at: due - ms, offsetMs: ms }));
  const all: EscalationTimer[] = [...reminders, { kind: 'decision_timeout', at: due }];
  all.sort((a, b) => a.at - b.at);
  return all[0];
}

/** The levels still above `level` (for an activity to resolve holders). */
export function levelsFrom(level: number): Array<{ level: number; role: ChainRole }> {
  return CHAIN.filter((c) => c.level >= level).map((c) => ({ level: c.level, role: c.role }));
}
