/**
 * The rectification notice's data: what the workflow holds and the projection stores, including
 * the escalations inside it. Shapes only; the rules over them are in notice.ts and escalation.ts,
 * which both build on this file (and so need not import each other).
 */
import type { Deadline } from './deadlines';
import type { Category, ChainRole, EscalationDecisionKind, NoticeStatus, SeverityLevel } from './glossary';
import type { Actor } from './rules';
import type { UnitRole } from './glossary';
import type { ReminderTiming } from './reminders';

export type OverdueKind = 'acknowledge' | 'rectify';

/** A process whose first record could never be written (issue 11): when, and why. */
export interface NotRecorded {
  at: string;
  zh: string;
  en: string;
  /** The database's or validator's own message, for the operators. */
  error: string;
}

export interface EvidenceItem {
  name: string;
  sha256: string;
  size: number;
  mediaType: string;
}

export interface Review {
  decision: 'accept' | 'reject';
  comment: string;
  by: string;
  at: string;
}

export interface Rectification {
  round: number;
  summary: string;
  measures: string;
  evidence: EvidenceItem[];
  submittedBy: string;
  submittedAt: string;
  review?: Review;
}

export interface ExtensionRequest {
  id: string;
  until: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'approved' | 'denied';
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

/** Reminder offsets (ISO durations already turned into milliseconds) for each deadline. */
export interface ReminderPlan {
  acknowledge: number[];
  rectify: number[];
  /** Where working-day reminders land (absent in notices issued before: plain offsets). */
  timing?: ReminderTiming;
}

export interface NoticeInput {
  id: string;
  unitId: string;
  title: string;
  category: Category;
  severity: SeverityLevel;
  description: string;
  assets: string[];
  issuedBy: Actor;
  issuedAt: string;
  acknowledgeBy: Deadline;
  rectifyBy: Deadline;
  reminders: ReminderPlan;
  maxExtensions: number;
  escalation: EscalationPlan;
  /** Windows for an accountability proposal opened from this notice's escalation. */
  proposalTiming: { approveWithinMs: number; decideWithinMs: number; remindersMs: number[] };
  /** Who of the unit is told of the new notice (absent in notices issued before: liaisons and the direct responsible person). */
  newNoticeRoles?: UnitRole[];
}

export interface NoticeState {
  id: string;
  unitId: string;
  title: string;
  category: Category;
  severity: SeverityLevel;
  description: string;
  assets: string[];
  issuedBy: string;
  issuedAt: string;
  status: NoticeStatus;
  /** Which deadline has passed without the required step; null while on time. */
  overdue: OverdueKind | null;
  acknowledgeBy: Deadline;
  rectifyBy: Deadline;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  rectifications: Rectification[];
  extensions: ExtensionRequest[];
  /** Keys of reminders already sent (deadline kind, deadline instant, offset). */
  remindersSent: string[];
  closedAt?: string;
  withdrawal?: { by: string; at: string; reason: string };
  /** Why the notice was not issued (status not_issued): its first record could never be written. */
  notRecorded?: NotRecorded;
  reminders: ReminderPlan;
  maxExtensions: number;
  /** Escalations up the leadership chain, oldest first; at most the last one is active. */
  escalations: Escalation[];
  escalationPlan: EscalationPlan;
  /** Sequence number of the last recorded event; the database projection follows it. */
  version: number;
}

// ---- Escalation up the leadership chain (the rules: escalation.ts) ----

export type StepOutcome = 'pending' | 'skipped_vacant' | 'skipped_already_asked' | 'decided' | 'timed_out' | 'ended';

export interface EscalationStep {
  level: number;
  role: ChainRole;
  /** Who held the role when the level was reached; null when vacant. */
  assigneeId: string | null;
  /** The holder's delegates when the level was reached; only where the plan allows delegates. */
  delegateIds?: string[];
  reachedAt: string;
  outcome: StepOutcome;
  decideBy?: Deadline;
  /** `by` decided; `onBehalfOf` is the holder when `by` was one of their delegates. */
  decision?: { kind: EscalationDecisionKind; until?: string; comment: string; by: string; onBehalfOf?: string; at: string };
  remindersSent?: number[];
}

export type EscalationEndReason =
  | 'rectification_accepted'
  | 'withdrawn'
  | 'back_on_time'
  | 'extended'
  | 'accountability_proposed'
  | 'chain_exhausted';

export interface Escalation {
  id: string;
  round: number;
  trigger: OverdueKind;
  startedAt: string;
  status: 'awaiting_decision' | 'supervising' | 'ended';
  level: number;
  steps: EscalationStep[];
  superviseUntil?: string;
  endedAt?: string;
  endReason?: EscalationEndReason;
  proposalId?: string;
}

/** The policy for one severity, snapshotted into the notice when it is issued. */
export interface EscalationPlan {
  decideWithin: string;
  workingDays: boolean;
  maxSuperviseMs: number;
  remindersMs: number[];
  /** Whether the holder's delegates may decide too (absent in notices issued before delegation). */
  allowDelegates?: boolean;
  /** The longest extension a leader may decide, from the decision (absent in notices issued before: unbounded). */
  maxExtendMs?: number;
}

/** One level resolved from the organisation at the moment it is reached (an activity does it). */
export interface ResolvedLevel {
  level: number;
  role: ChainRole;
  assigneeId: string | null;
  /** The holder's delegates, resolved only when the plan allows delegates. */
  delegateIds?: string[];
}
