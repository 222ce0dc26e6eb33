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
  | 'not_issued';

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
