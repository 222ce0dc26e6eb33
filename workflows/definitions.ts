/**
 * The notice workflow's public surface: updates (human actions, validated before they are
 * accepted) and the query. Shared by the workflow and the API.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  Actor,
  ExtensionDecisionInput,
  ExtensionInput,
  NoticeState,
  RectificationReport,
  ReviewInput,
} from '../domain/notice';
import type { EscalationDecisionInput } from '../domain/escalation';
import type { RecomputedDeadlines } from '../domain/overdue-rules';

export const TASK_QUEUE_DEFAULT = 'cyberduty';

export function noticeWorkflowId(noticeId: string): string {
  return `notice-${noticeId}`;
}

/** Completes once the notice's issue has been recorded in the database. */
export const issuedUpdate = defineUpdate<NoticeState, []>('issued');
export const acknowledgeUpdate = defineUpdate<NoticeState, [{ actor: Actor }]>('acknowledge');
export const submitRectificationUpdate = defineUpdate<NoticeState, [{ actor: Actor; report: RectificationReport }]>(
  'submitRectification',
);
export const reviewUpdate = defineUpdate<NoticeState, [{ actor: Actor; review: ReviewInput }]>('review');
export const withdrawUpdate = defineUpdate<NoticeState, [{ actor: Actor; reason: string }]>('withdraw');
export const requestExtensionUpdate = defineUpdate<NoticeState, [{ actor: Actor; request: ExtensionInput }]>(
  'requestExtension',
);
export const decideExtensionUpdate = defineUpdate<NoticeState, [{ actor: Actor; decision: ExtensionDecisionInput }]>(
  'decideExtension',
);

export const decideEscalationUpdate = defineUpdate<NoticeState, [{ actor: Actor; decision: EscalationDecisionInput }]>(
  'decideEscalation',
);

/** The office has deadlines counted over a year the calendar did not cover counted again (issue 12). */
export const recomputeDeadlinesUpdate = defineUpdate<NoticeState, [{ actor: Actor; deadlines: RecomputedDeadlines }]>('recomputeDeadlines');

export const stateQuery = defineQuery<NoticeState>('state');
