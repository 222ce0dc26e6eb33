/**
 * The typed interface between the incident workflow and the outside world (the workflow imports
 * these types only; activities/incidents.ts implements them).
 */
import type { Audience } from '../domain/org';
import type { IncidentState } from '../domain/incident';
import type { Attribution } from '../domain/accountability';
import type { EarlierCase, FiringPlan } from '../domain/triggers';

export type IncidentEventType =
  | 'recorded'
  | 'reported'
  | 'confirmed'
  | 'report_reminder'
  | 'report_overdue'
  | 'contained'
  | 'restored'
  | 'restoration_confirmed'
  | 'restoration_rejected'
  | 'outage_alert'
  | 'impact_marked_serious'
  | 'notice_linked'
  | 'closing_report_submitted'
  | 'review_accepted'
  | 'review_rejected'
  | 'closed'
  | 'never_reported'
  | 'trigger_fired';

export interface IncidentEvent {
  /** Position in the incident's timeline; with the incident id, the idempotency key of the record. */
  seq: number;
  type: IncidentEventType;
  actorId: string;
  at: string;
  data: Record<string, unknown>;
}

export const INCIDENT_MESSAGE_KINDS = [
  'incident_new',
  'incident_confirm_requested',
  'incident_report_reminder',
  'incident_report_overdue',
  'incident_outage_alert',
  'incident_closing_report',
  'incident_review_outcome',
] as const;
export type IncidentMessageKind = (typeof INCIDENT_MESSAGE_KINDS)[number];

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
