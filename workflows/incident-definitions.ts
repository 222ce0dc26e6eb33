/**
 * The incident workflow's public surface: updates (human actions, validated before they are
 * accepted) and the query. Shared by the workflow and the API.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../domain/notice';
import type { ClosingReportInput, IncidentState } from '../domain/incident';

export function incidentWorkflowId(incidentId: string): string {
  return `incident-${incidentId}`;
}

/** Completes once the incident's recording has been written to the database. */
export const incidentRecordedUpdate = defineUpdate<IncidentState, []>('recorded');
export const incidentReportUpdate = defineUpdate<IncidentState, [{ actor: Actor; summary: string }]>('report');
export const incidentConfirmUpdate = defineUpdate<IncidentState, [{ actor: Actor; agrees: boolean; comment?: string }]>('confirm');
export const incidentContainUpdate = defineUpdate<IncidentState, [{ actor: Actor; measures: string }]>('contain');
export const incidentRestoreUpdate = defineUpdate<IncidentState, [{ actor: Actor; restoredAt: string; summary: string }]>('restore');
export const incidentConfirmRestorationUpdate = defineUpdate<IncidentState, [{ actor: Actor; decision: 'confirm' | 'reject'; comment?: string }]>(
  'confirmRestoration',
);
export const incidentClosingReportUpdate = defineUpdate<IncidentState, [{ actor: Actor; report: ClosingReportInput }]>('closingReport');
export const incidentReviewUpdate = defineUpdate<IncidentState, [{ actor: Actor; decision: 'accept' | 'reject'; comment?: string }]>('review');
export const incidentMarkSeriousUpdate = defineUpdate<IncidentState, [{ actor: Actor; reason: string }]>('markSerious');
export const incidentLinkNoticeUpdate = defineUpdate<IncidentState, [{ actor: Actor; noticeId: string }]>('linkNotice');
export const incidentCloseUpdate = defineUpdate<IncidentState, [{ actor: Actor; reason: string }]>('close');

export const incidentStateQuery = defineQuery<IncidentState>('state');
