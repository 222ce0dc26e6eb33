/**
 * What people read: Chinese by default, English for those who prefer it. Each message says what
 * happened, which notice (or proposal) and unit, the deadline in local time (Beijing time by
 * default), what to do, and a link; messages about proposals say nothing about the persons
 * concerned. The texts live in template files, notifications/templates/<locale>/<kind>.yaml, and
 * are rendered by notifications/render.ts in the worker (files are read there, never in a
 * workflow); these are the kinds and shapes shared with it.
 */
import type { Trigger } from './glossary';

export interface MessageContext {
  noticeId: string;
  title: string;
  unitName: string;
  severity: string;
  link: string;
  params: Record<string, string | number | boolean | null>;
}

export interface RenderedMessage {
  subject: string;
  body: string;
}

/** The messages about a notice (one template file per kind and locale). */
export type MessageKind =
  | 'new_notice'
  | 'reminder'
  | 'overdue'
  | 'acknowledged'
  | 'report_submitted'
  | 'review_outcome'
  | 'extension_requested'
  | 'extension_decided'
  | 'withdrawn'
  | 'decision_needed'
  | 'escalated'
  | 'escalation_reminder'
  | 'escalation_decided'
  | 'escalation_ended';

/** The messages about an accountability proposal. */
export type ProposalMessageKind =
  | 'proposal_drafted'
  /** A draft opened by one of Art. 7's trigger rules (issue 10). */
  | 'proposal_triggered'
  | 'proposal_approval_requested'
  | 'proposal_returned'
  | 'proposal_submitted'
  | 'proposal_approved'
  | 'proposal_decided'
  | 'proposal_closed'
  | 'proposal_reminder';

/** What a message about a proposal shows: never the persons concerned (they stay behind the link). */
export interface ProposalMessageContext {
  proposalId: string;
  unitName: string;
  trigger: Trigger;
  link: string;
  params: Record<string, string | number | boolean | null>;
}

// ---- Incidents (网络安全事件, issue 10) ----

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
