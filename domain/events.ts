/**
 * What happens to a notice or a proposal, in the regulation's words: the types of the events in
 * their timelines. The workflows record them, the projection stores them, the API shows them.
 */

export type NoticeEventType =
  | 'issued'
  | 'acknowledged'
  | 'rectification_submitted'
  | 'review_accepted'
  | 'review_rejected'
  | 'withdrawn'
  | 'extension_requested'
  | 'extension_approved'
  | 'extension_denied'
  | 'reminder_sent'
  | 'overdue'
  | 'escalated'
  | 'escalation_reminder'
  | 'escalation_timed_out'
  | 'escalation_decided'
  | 'supervision_lapsed'
  | 'escalation_ended'
  | 'not_issued'
  | 'deadlines_recomputed';

export interface NoticeEvent {
  /** Position in the notice's timeline; with the notice id, the idempotency key of the record. */
  seq: number;
  type: NoticeEventType;
  actorId: string;
  at: string;
  data: Record<string, unknown>;
}

export type ProposalEventType =
  | 'created'
  | 'edited'
  | 'approval_requested'
  | 'returned'
  | 'approved'
  | 'decided'
  | 'closed'
  | 'reminder_sent'
  | 'not_created';

export interface ProposalEvent {
  /** Position in the proposal's timeline; with the proposal id, the idempotency key of the record. */
  seq: number;
  type: ProposalEventType;
  actorId: string;
  at: string;
  data: Record<string, unknown>;
}

// ---- Incidents (网络安全事件, issue 10) ----

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
