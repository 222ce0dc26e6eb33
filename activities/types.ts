/**
 * The small, typed interface between workflows and the outside world. Workflows import only these
 * types; the implementations live in activities/*.ts and are bound to a database at worker start.
 */
import type { NoticeState } from '../domain/notice';
import type { Deadline } from '../domain/deadlines';
import type { ResolvedLevel } from '../domain/escalation';
import type { MessageKind, ProposalMessageKind } from '../domain/messages';
import type { NoticeEvent, ProposalEvent } from '../domain/events';


import type { Audience } from '../domain/org';
import type { Attribution, ProposalState } from '../domain/accountability';

export interface NotifyRequest {
  /** Unique per (workflow, event): with each recipient it makes the delivery idempotent. */
  key: string;
  kind: MessageKind;
  noticeId: string;
  audience: Audience[];
  /** Event details the message shows (deadline, comment, decision...). */
  params: Record<string, string | number | boolean | null>;
}

export interface NoticeActivities {
  /** Writes the event into the timeline and the state into the notice's row; a retry is a no-op. */
  recordNoticeEvent(args: { state: NoticeState; event: NoticeEvent }): Promise<void>;
  /**
   * Records a notice whose first record failed for good as `not_issued`, with what cannot be
   * stored in its text replaced (U+FFFD), so that the office sees it in the notice list.
   */
  recordNotIssued(args: { state: NoticeState; event: NoticeEvent }): Promise<void>;
  /** Delivers in-app messages; a retry delivers nothing twice. Returns how many recipients. */
  notify(req: NotifyRequest): Promise<{ recipients: number }>;
  /**
   * recordNoticeEvent and notify for each message in one transaction — one activity, one commit —
   * for a step whose messages need nothing but the recorded state. Idempotent like both.
   */
  recordAndNotify(args: { state: NoticeState; event: NoticeEvent; notify: NotifyRequest | NotifyRequest[] }): Promise<{ recipients: number }>;
  /**
   * Resolves the leadership chain of a unit from `fromLevel` up, from the organisation as it is
   * now (with each holder's delegates when `allowDelegates`), and the deadline for the leader to
   * decide (working days per the policy).
   */
  planEscalation(args: {
    unitId: string;
    fromLevel: number;
    decideWithin: string;
    workingDays: boolean;
    allowDelegates?: boolean;
  }): Promise<{ resolved: ResolvedLevel[]; decideBy: Deadline }>;
}

// ---- Accountability proposals (问责建议, Art. 7–8) ----

export interface ProposalNotifyRequest {
  /** Unique per (workflow, event): with each recipient it makes the delivery idempotent. */
  key: string;
  kind: ProposalMessageKind;
  proposalId: string;
  audience: Audience[];
  params: Record<string, string | number | boolean | null>;
}

export interface PrepareProposalRequest {
  unitId: string;
  /** ISO instant of the facts: the attribution follows the organisation as it was then. */
  factsAt: string;
  partiesConcerned: string[];
  /** Idempotency key of the allocation, e.g. `escalation:2026-0001:3`: a retry gets the same id. */
  sourceKey: string;
  /** The deployment's number prefix (ID_PREFIX, e.g. the one of the notice's number), if any. */
  idPrefix?: string;
}

export interface ProposalActivities {
  /** Writes the event into the timeline and the state into the proposal's row; a retry is a no-op. */
  recordProposalEvent(args: { state: ProposalState; event: ProposalEvent }): Promise<void>;
  /** Records a proposal whose first record failed for good as `not_created` (text made storable). */
  recordProposalNotCreated(args: { state: ProposalState; event: ProposalEvent }): Promise<void>;
  /** Writes the closed proposal's outcome rows (per person and for the unit, per body) once. */
  recordProposalOutcome(args: { state: ProposalState }): Promise<{ rows: number }>;
  /** Delivers in-app messages about a proposal; a retry delivers nothing twice. */
  notifyProposal(req: ProposalNotifyRequest): Promise<{ recipients: number }>;
  /** Allocates the proposal number (P2026-0001) once per sourceKey and computes the default attribution. */
  prepareProposal(req: PrepareProposalRequest): Promise<{ id: string; attribution: Attribution }>;
}

// ---- Incidents (网络安全事件, issue 10) ----
import type { IncidentState } from '../domain/incident';
import type { EarlierCase, FiringPlan } from '../domain/triggers';
import type { IncidentEvent, IncidentEventType } from '../domain/events';
import type { IncidentMessageKind } from '../domain/messages';

export type { IncidentEvent, IncidentEventType, IncidentMessageKind };

export interface IncidentNotifyRequest {
  /** Unique per (workflow, event): with each recipient it makes the delivery idempotent. */
  key: string;
  kind: IncidentMessageKind;
  incidentId: string;
  audience: Audience[];
  params: Record<string, string | number | boolean | null>;
}

export interface IncidentActivities {
  /** Writes the event into the timeline and the state into the incident's row; a retry is a no-op. */
  recordIncidentEvent(args: { state: IncidentState; event: IncidentEvent }): Promise<void>;
  /** Messages through the outbox; a retry delivers nothing twice. */
  notifyIncident(req: IncidentNotifyRequest): Promise<{ recipients: number }>;
  /** The unit's mining incidents detected in [from, to), other than this one. */
  earlierMiningCases(args: { unitId: string; from: string; to: string; excludeId: string }): Promise<EarlierCase[]>;
  /**
   * Claims a trigger firing (one per dedupe key, in the database) and computes the draft's
   * attribution from the organisation at the time of the facts. A retry returns the same number.
   */
  claimTrigger(args: { plan: FiringPlan; idPrefix?: string }): Promise<{ proposalId: string; existing: boolean; attribution: Attribution }>;
}
