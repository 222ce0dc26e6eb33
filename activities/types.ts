/**
 * The small, typed interface between workflows and the outside world. Workflows import only these
 * types; the implementations live in activities/*.ts and are bound to a database at worker start.
 */
import type { NoticeState } from '../domain/notice';
import type { UniversityRole, UnitRole } from '../domain/org';

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
  | 'overdue';

export interface NoticeEvent {
  /** Position in the notice's timeline; with the notice id, the idempotency key of the record. */
  seq: number;
  type: NoticeEventType;
  actorId: string;
  at: string;
  data: Record<string, unknown>;
}

export type MessageKind =
  | 'new_notice'
  | 'reminder'
  | 'overdue'
  | 'acknowledged'
  | 'report_submitted'
  | 'review_outcome'
  | 'extension_requested'
  | 'extension_decided'
  | 'withdrawn';

/** Who gets a message, resolved from the organisation when it is sent. */
export type Audience =
  | { unitId: string; unitRoles: UnitRole[] }
  | { universityRoles: UniversityRole[] }
  | { personIds: string[] };

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
  /** Delivers in-app messages; a retry delivers nothing twice. Returns how many recipients. */
  notify(req: NotifyRequest): Promise<{ recipients: number }>;
}
