/**
 * The rules that keep an overdue notice inside a clock (issue 12): a leader's extension moves the
 * deadline that was actually missed, an escalation whose chain is used up stays with the highest
 * leader who was asked (or retries the chain when every level was vacant), and the invariant that
 * says what "inside a clock" means. Pure and workflow-safe (imports types and the time formatter).
 */
import type { Deadline } from './deadlines';
import { activeEscalation, currentStep, type Escalation, type EscalationStep } from './escalation';
import { isTerminal, nextTimer, RuleViolation, type NoticeState } from './notice';
import { nextEscalationTimer } from './escalation';
import { formatBeijingEn, formatBeijingZh } from './time';

function leaderDeadline(until: string, level: number, now: string): Deadline {
  const at = new Date(Date.parse(until)).toISOString();
  return {
    at,
    explanation: {
      basis: 'extension',
      from: now,
      workingDays: false,
      warnings: [],
      zh: `第${level}级领导决定延期，截止于${formatBeijingZh(at)}`,
      en: `Extended by the level ${level} leader; due ${formatBeijingEn(at)}`,
    },
  };
}

/**
 * A leader extends: on an acknowledgement overdue the acknowledgement deadline moves (and the
 * rectification deadline too, if it would fall before the new one); otherwise the rectification
 * deadline moves. The notice is back on time. Returns which deadlines moved, for the timeline.
 */
export function applyLeaderExtension(state: NoticeState, level: number, until: string, now: string): { moved: Array<'acknowledgeBy' | 'rectifyBy'> } {
  const d = leaderDeadline(until, level, now);
  const moved: Array<'acknowledgeBy' | 'rectifyBy'> = [];
  if (state.status === 'issued' && state.overdue === 'acknowledge') {
    state.acknowledgeBy = d;
    moved.push('acknowledgeBy');
    if (Date.parse(state.rectifyBy.at) < Date.parse(d.at)) {
      state.rectifyBy = d;
      moved.push('rectifyBy');
    }
  } else {
    state.rectifyBy = d;
    moved.push('rectifyBy');
  }
  if (Date.parse(d.at) > Date.parse(now)) state.overdue = null;
  return { moved };
}

/**
 * The chain is used up (every level above timed out, was vacant or already asked). The escalation
 * stays with the highest leader who was asked, asked again with a new decision deadline; if nobody
 * could be asked at all, an unassigned step waits one decision window and the chain is resolved
 * again from level 1 (the organisation may have filled a role meanwhile).
 */
export function keepAtTop(e: Escalation, now: string, decideBy: Deadline | undefined): EscalationStep {
  const asked = [...e.steps].reverse().find((s) => s.assigneeId && !s.outcome.startsWith('skipped'));
  const step: EscalationStep = asked
    ? {
        level: asked.level,
        role: asked.role,
        assigneeId: asked.assigneeId,
        ...(asked.delegateIds ? { delegateIds: asked.delegateIds } : {}),
        reachedAt: now,
        outcome: 'pending',
        decideBy,
        remindersSent: [],
      }
    : { level: e.steps.at(-1)?.level ?? 1, role: e.steps.at(-1)?.role ?? 'direct_responsible', assigneeId: null, reachedAt: now, outcome: 'pending', decideBy, remindersSent: [] };
  e.steps.push(step);
  e.level = step.level;
  e.status = 'awaiting_decision';
  e.superviseUntil = undefined;
  return step;
}

/** Where a timed-out or lapsed step climbs from: the next level, or level 1 after an unassigned wait. */
export function nextLevelAfter(step: EscalationStep): number {
  return step.assigneeId ? step.level + 1 : 1;
}

export interface RecomputedDeadlines {
  acknowledgeBy?: Deadline;
  rectifyBy?: Deadline;
}

/** The office has deadlines recomputed with the calendar as it is now: only open notices, only running deadlines. */
export function checkRecomputeDeadlines(state: NoticeState, input: RecomputedDeadlines): void {
  if (isTerminal(state.status)) throw new RuleViolation('invalid_state', '通知已结束，无需重新计算期限', 'The notice has ended; nothing to recompute');
  if (!input.acknowledgeBy && !input.rectifyBy) throw new RuleViolation('invalid_input', '没有要重新计算的期限', 'No deadline to recompute');
  if (input.acknowledgeBy && state.status !== 'issued') {
    throw new RuleViolation('invalid_state', '通知已签收，签收期限不再适用', 'The notice is acknowledged; its acknowledgement deadline no longer applies');
  }
}

/** Applies recomputed deadlines; a deadline that moved past now takes its overdue away. Returns before/after for the timeline. */
export function applyRecomputedDeadlines(state: NoticeState, input: RecomputedDeadlines, now: string): Record<string, { from: string; to: string }> {
  const changes: Record<string, { from: string; to: string }> = {};
  for (const kind of ['acknowledgeBy', 'rectifyBy'] as const) {
    const d = input[kind];
    if (!d) continue;
    changes[kind] = { from: state[kind].at, to: d.at };
    state[kind] = d;
    const overdueKind = kind === 'acknowledgeBy' ? 'acknowledge' : 'rectify';
    if (state.overdue === overdueKind && Date.parse(d.at) > Date.parse(now)) state.overdue = null;
  }
  return changes;
}

/**
 * The invariant: an open notice is never overdue without a live escalation (one awaiting a
 * decision or supervising, or one that handed the matter to an accountability proposal, which has
 * its own clocks and holders), and it always has a next timer or a person it waits for (the office
 * reviewing a report, or a leader at a pending level). Returns what is wrong, or null.
 */
export function noticeInvariantViolation(state: NoticeState): string | null {
  if (isTerminal(state.status)) return null;
  const live = activeEscalation(state);
  const last = state.escalations.at(-1);
  const handedOver = !live && last?.endReason === 'accountability_proposed';
  if (state.overdue !== null && !live && !handedOver) return `overdue (${state.overdue}) without a live escalation`;
  if (live) {
    const step = currentStep(live);
    if (!step) return 'a live escalation with no pending level';
    if (!step.assigneeId && !step.decideBy) return 'a pending level with nobody to ask and no timer';
  }
  if (handedOver) return null;
  const waitsForOffice = state.status === 'under_review';
  const waitsForLeader = !!live && !!currentStep(live)?.assigneeId;
  const timer = nextTimer(state) ?? nextEscalationTimer(state, state.escalationPlan);
  if (!timer && !waitsForOffice && !waitsForLeader) return 'no timer and nobody to wait for';
  return null;
}
