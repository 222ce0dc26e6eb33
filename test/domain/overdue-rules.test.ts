/**
 * The invariant of issue 12, proven on the pure domain state machine: random sequences of people's
 * actions, leaders' decisions and clock ticks (each tick fires the next timer, as the notice
 * workflow does), with random vacancies in the chain; after every step an open notice is never
 * overdue without a live escalation and always has a next timer or a person it waits for. The same
 * property finds the defect under the rules before the fix. Plus the leader's extension bound.
 */
import fc from 'fast-check';
import type { Deadline } from '../../domain/deadlines';
import {
  activeEscalation,
  checkEscalationDecision,
  climb,
  currentStep,
  endEscalation,
  levelsFrom,
  nextEscalationTimer,
  recordDecision,
  startEscalation,
  type Escalation,
  type EscalationStep,
} from '../../domain/escalation';
import {
  SYSTEM_ACTOR,
  acknowledge,
  checkAcknowledge,
  checkDecideExtension,
  checkRequestExtension,
  checkReview,
  checkSubmitRectification,
  checkWithdraw,
  decideExtension,
  initialState,
  isTerminal,
  markOverdue,
  nextTimer,
  requestExtension,
  review,
  RuleViolation,
  submitRectification,
  withdraw,
  type Actor,
  type NoticeState,
} from '../../domain/notice';
import { applyLeaderExtension, keepAtTop, nextLevelAfter, noticeInvariantViolation } from '../../domain/overdue-rules';
import { reviewPauseDeadline } from '../../domain/review-pause';

const T0 = Date.parse('2026-12-01T02:00:00Z');
const H = 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const deadline = (at: number, from: number, basis: Deadline['explanation']['basis'] = 'policy'): Deadline => ({
  at: iso(at),
  explanation: { basis, from: iso(from), workingDays: false, warnings: [], zh: '', en: '' },
});

const HOLDERS = ['p-direct', 'p-first', 'p-supervisor', 'p-cyber', 'p-secretary'];
const UNIT: Actor = { id: 'p-liaison', name: 'liaison', capacity: 'unit' };
const OFFICE: Actor = { id: 'p-office', name: 'office', capacity: 'office' };

/** The rules that differ before and after the fix. */
interface Rules {
  extend(state: NoticeState, level: number, until: string, now: string): void;
  exhausted(e: Escalation, now: string, decideBy: Deadline): EscalationStep | undefined;
  nextLevel(step: EscalationStep): number;
  reviewPause(state: NoticeState, now: string): Deadline | undefined;
}

const FIXED: Rules = {
  extend: (state, level, until, now) => void applyLeaderExtension(state, level, until, now),
  exhausted: (e, now, decideBy) => keepAtTop(e, now, decideBy),
  nextLevel: nextLevelAfter,
  reviewPause: reviewPauseDeadline,
};

/** As the workflow did before issue 12. */
const BEFORE: Rules = {
  extend: (state, _level, until, now) => {
    state.rectifyBy = deadline(Date.parse(until), Date.parse(now), 'extension');
    if (state.overdue === 'rectify') state.overdue = null;
  },
  exhausted: (e, now) => {
    endEscalation(e, 'chain_exhausted', now);
    return undefined;
  },
  nextLevel: (step) => step.level + 1,
  reviewPause: () => undefined,
};

type Action =
  | { kind: 'tick' }
  | { kind: 'acknowledge' }
  | { kind: 'report' }
  | { kind: 'review'; accept: boolean; newDeadlineH: number | null }
  | { kind: 'withdraw' }
  | { kind: 'requestExtension'; hours: number }
  | { kind: 'decideExtension'; approve: boolean }
  | { kind: 'lead'; decision: 'supervise' | 'extend' | 'escalate' | 'propose_accountability'; hours: number }
  | { kind: 'wait'; minutes: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.constant<Action>({ kind: 'tick' }), weight: 6 },
  fc.constant<Action>({ kind: 'acknowledge' }),
  fc.constant<Action>({ kind: 'report' }),
  fc.record({ kind: fc.constant('review' as const), accept: fc.boolean(), newDeadlineH: fc.option(fc.integer({ min: 1, max: 48 })) }),
  { arbitrary: fc.constant<Action>({ kind: 'withdraw' }), weight: 1 },
  fc.record({ kind: fc.constant('requestExtension' as const), hours: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('decideExtension' as const), approve: fc.boolean() }),
  {
    arbitrary: fc.record({
      kind: fc.constant('lead' as const),
      decision: fc.constantFrom('supervise' as const, 'extend' as const, 'escalate' as const, 'propose_accountability' as const),
      hours: fc.integer({ min: 1, max: 200 }),
    }),
    weight: 4,
  },
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 600 }) }),
);

/** The notice workflow's orchestration over the domain rules, with a clock of its own. */
class Machine {
  now = T0;
  state: NoticeState;
  private extensions = 0;

  constructor(
    private readonly rules: Rules,
    private readonly holders: Array<string | null>,
    ackH: number,
    rectH: number,
  ) {
    this.state = initialState({
      id: '2026-0001',
      unitId: 'cs',
      title: 't',
      category: 'other',
      severity: 'high',
      description: 'd',
      assets: [],
      issuedBy: OFFICE,
      issuedAt: iso(T0),
      acknowledgeBy: deadline(T0 + ackH * H, T0),
      rectifyBy: deadline(T0 + (ackH + rectH) * H, T0),
      reminders: { acknowledge: [H], rectify: [2 * H] },
      maxExtensions: 2,
      escalation: { decideWithin: 'PT8H', workingDays: false, maxSuperviseMs: 72 * H, remindersMs: [2 * H], maxExtendMs: 72 * H },
      proposalTiming: { approveWithinMs: H, decideWithinMs: H, remindersMs: [] },
    });
  }

  private get nowIso() {
    return iso(this.now);
  }

  private escalateFrom(e: Escalation, from: number): void {
    const resolved = levelsFrom(from).map((l) => ({ ...l, assigneeId: this.holders[l.level - 1] }));
    const decideBy = deadline(this.now + 8 * H, this.now);
    const step = climb(e, resolved, this.nowIso, () => decideBy);
    if (!step) this.rules.exhausted(e, this.nowIso, decideBy);
  }

  private settle(reason?: Parameters<typeof endEscalation>[1]): void {
    const e = activeEscalation(this.state);
    if (!e) return;
    if (!reason && !isTerminal(this.state.status) && this.state.overdue !== null) return;
    endEscalation(e, reason ?? (this.state.status === 'closed' ? 'rectification_accepted' : this.state.status === 'withdrawn' ? 'withdrawn' : 'back_on_time'), this.nowIso);
  }

  /** Fires the next timer (the workflow's loop), moving the clock to it. Returns false if none. */
  tick(): boolean {
    const t = nextTimer(this.state);
    const et = nextEscalationTimer(this.state, this.state.escalationPlan);
    const next = et && (!t || et.at < t.at) ? et : t;
    if (!next) return false;
    this.now = Math.max(this.now, next.at);
    if (next === et) {
      const e = activeEscalation(this.state)!;
      const step = currentStep(e)!;
      if (et.kind === 'decision_reminder') {
        (step.remindersSent ??= []).push(et.offsetMs);
        return true;
      }
      step.outcome = et.kind === 'decision_timeout' ? 'timed_out' : 'decided';
      this.escalateFrom(e, this.rules.nextLevel(step));
      return true;
    }
    if (t!.kind === 'reminder') {
      this.state.remindersSent.push(t!.key);
      return true;
    }
    if (markOverdue(this.state, t!.deadline) && !activeEscalation(this.state)) {
      this.escalateFrom(startEscalation(this.state, t!.deadline, this.nowIso), 1);
    }
    return true;
  }

  /** One action; a refused one (RuleViolation) changes nothing, as a validator would. */
  act(a: Action): void {
    const s = this.state;
    const now = this.nowIso;
    try {
      switch (a.kind) {
        case 'tick':
          this.tick();
          return;
        case 'wait':
          // Time passes without a timer firing: only up to the next timer.
          this.now = Math.min(this.now + a.minutes * 60_000, Math.min(nextTimer(s)?.at ?? Infinity, nextEscalationTimer(s, s.escalationPlan)?.at ?? Infinity));
          this.now = Math.max(this.now, T0);
          return;
        case 'acknowledge':
          checkAcknowledge(s, UNIT);
          acknowledge(s, UNIT, now);
          this.settle();
          return;
        case 'report': {
          const report = { summary: 's', measures: 'm', evidence: [{ name: 'e', sha256: 'x', size: 1, mediaType: 'text/plain' }] };
          checkSubmitRectification(s, UNIT, report);
          submitRectification(s, UNIT, report, now);
          return;
        }
        case 'review': {
          const input = { decision: a.accept ? ('accept' as const) : ('reject' as const), comment: 'c', ...(a.newDeadlineH ? { rectifyBy: iso(this.now + a.newDeadlineH * H) } : {}) };
          checkReview(s, OFFICE, input, this.now);
          const nd = !a.accept ? (input.rectifyBy ? deadline(Date.parse(input.rectifyBy), this.now, 'explicit') : this.rules.reviewPause(s, now)) : undefined;
          review(s, OFFICE, input, now, nd);
          this.settle();
          return;
        }
        case 'withdraw':
          checkWithdraw(s, OFFICE, 'r');
          withdraw(s, OFFICE, 'r', now);
          this.settle();
          return;
        case 'requestExtension': {
          const input = { id: `x${++this.extensions}`, until: iso(Math.max(this.now, Date.parse(s.rectifyBy.at)) + a.hours * H), reason: 'r' };
          checkRequestExtension(s, UNIT, input, this.now);
          requestExtension(s, UNIT, input, now);
          return;
        }
        case 'decideExtension': {
          const pending = s.extensions.find((e) => e.status === 'pending');
          if (!pending) return;
          const input = { requestId: pending.id, decision: a.approve ? ('approve' as const) : ('deny' as const), comment: 'c' };
          checkDecideExtension(s, OFFICE, input);
          decideExtension(s, OFFICE, input, now, a.approve ? deadline(Date.parse(pending.until), this.now, 'extension') : undefined);
          this.settle();
          return;
        }
        case 'lead': {
          const e = activeEscalation(s);
          const step = e && currentStep(e);
          if (!e || !step?.assigneeId) return;
          const leader: Actor = { id: step.assigneeId, name: 'leader', capacity: 'leader' };
          const input = { escalationId: e.id, decision: a.decision, until: iso(this.now + a.hours * H), comment: 'c' };
          checkEscalationDecision(s, leader, input, s.escalationPlan, this.now);
          const decided = recordDecision(e, leader, input, now);
          if (a.decision === 'escalate') this.escalateFrom(e, decided.level + 1);
          if (a.decision === 'extend') {
            this.rules.extend(s, decided.level, input.until, now);
            this.settle('extended');
          }
          if (a.decision === 'propose_accountability') {
            e.proposalId = 'P2026-0001';
            this.settle('accountability_proposed');
          }
          return;
        }
      }
    } catch (err) {
      if (!(err instanceof RuleViolation)) throw err;
    }
  }
}

const holdersArb = fc.array(fc.option(fc.constantFrom(...HOLDERS), { nil: null }), { minLength: 5, maxLength: 5 });

function invariantHolds(rules: Rules) {
  return fc.property(holdersArb, fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 120 }), fc.array(actionArb, { maxLength: 60 }), (holders, ackH, rectH, actions) => {
    const m = new Machine(rules, holders, ackH, rectH);
    const check = (after: string) => {
      const v = noticeInvariantViolation(m.state);
      if (v) throw new Error(`${v} — after ${after}: ${JSON.stringify({ status: m.state.status, overdue: m.state.overdue, escalations: m.state.escalations.map((e) => [e.status, e.endReason]) })}`);
    };
    check('issue');
    actions.forEach((a, i) => {
      m.act(a);
      check(`step ${i} ${JSON.stringify(a)}`);
    });
    // And the clock keeps running: a dozen more ticks never strand it either.
    for (let i = 0; i < 12 && m.tick(); i++) check(`tick ${i}`);
  });
}

test('invariant: an open notice is never overdue without a live escalation, and always has a timer or a person to wait for', () => {
  fc.assert(invariantHolds(FIXED), { numRuns: 400, seed: Number(process.env.FC_SEED ?? 1201) });
});

test('the same property finds the defect in the rules before the fix', () => {
  const run = fc.check(invariantHolds(BEFORE), { numRuns: 400, seed: 1201 });
  expect(run.failed).toBe(true);
  expect(String(run.errorInstance)).toMatch(/without a live escalation|no timer/);
  // With every level filled, what is left is the extension on an acknowledgement overdue.
  const filled = fc.check(
    fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 120 }), fc.array(actionArb, { maxLength: 60 }), (ackH, rectH, actions) => {
      const m = new Machine(BEFORE, HOLDERS, ackH, rectH);
      for (const a of actions) {
        m.act(a);
        const v = noticeInvariantViolation(m.state);
        if (v) throw new Error(`${v}: ${m.state.escalations.at(-1)?.endReason}`);
      }
    }),
    { numRuns: 400, seed: 1201 },
  );
  expect(filled.failed).toBe(true);
  expect(String(filled.errorInstance)).toMatch(/overdue \(acknowledge\) without a live escalation: extended|without a live escalation: chain_exhausted/);
});

test('the exact case: an extension decided on an acknowledgement overdue leaves the notice in a clock', () => {
  for (const [rules, expected] of [[BEFORE, 'overdue (acknowledge) without a live escalation'], [FIXED, null]] as const) {
    const m = new Machine(rules, HOLDERS, 1, 24);
    m.tick(); // acknowledgement reminder
    m.tick(); // acknowledgement overdue → level 1
    expect(m.state.overdue).toBe('acknowledge');
    m.act({ kind: 'lead', decision: 'extend', hours: 4 });
    expect(m.state.escalations[0].endReason).toBe('extended');
    expect(noticeInvariantViolation(m.state)).toBe(expected);
  }
});

test("a leader's extension beyond the policy's maxExtend is refused", () => {
  const m = new Machine(FIXED, HOLDERS, 1, 24);
  m.tick();
  m.tick();
  const e = activeEscalation(m.state)!;
  const leader: Actor = { id: 'p-direct', name: 'l', capacity: 'leader' };
  const decide = (hours: number) => () =>
    checkEscalationDecision(m.state, leader, { escalationId: e.id, decision: 'extend', until: iso(m.now + hours * H), comment: 'c' }, m.state.escalationPlan, m.now);
  expect(decide(73)).toThrow(/maxExtend/);
  expect(decide(72)).not.toThrow();
});

test('a used-up chain stays with the highest leader asked; a chain with nobody retries from level 1 after a window', () => {
  const m = new Machine(FIXED, [HOLDERS[0], null, null, null, null], 1, 24);
  m.tick();
  m.tick();
  m.act({ kind: 'lead', decision: 'escalate', hours: 1 });
  const e = activeEscalation(m.state)!;
  expect(currentStep(e)).toMatchObject({ level: 1, assigneeId: 'p-direct', outcome: 'pending' });

  const nobody = new Machine(FIXED, [null, null, null, null, null], 1, 24);
  nobody.tick();
  nobody.tick();
  const waiting = currentStep(activeEscalation(nobody.state)!)!;
  expect(waiting.assigneeId).toBeNull();
  expect(waiting.decideBy).toBeDefined();
  expect(noticeInvariantViolation(nobody.state)).toBeNull();
  expect(SYSTEM_ACTOR.id).toBe('system');
});
