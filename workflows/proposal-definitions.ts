/**
 * The accountability proposal workflow's public surface: updates (human actions, validated before
 * they are accepted) and the query. Shared by the workflow, the API and workflows that start
 * proposals as children.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DecisionInput, ProposalActor, ProposalEdit, ProposalState } from '../domain/accountability';
import type { Deadline } from '../domain/deadlines';

export function proposalWorkflowId(proposalId: string): string {
  return `proposal-${proposalId}`;
}

/** Completes once the proposal's creation has been recorded in the database. */
export const proposalCreatedUpdate = defineUpdate<ProposalState, []>('created');
export const proposalEditUpdate = defineUpdate<ProposalState, [{ actor: ProposalActor; edit: ProposalEdit }]>('edit');
/** `due`: the approval deadline computed with the work calendar; absent, plain time from the input's timing. */
export const proposalRequestApprovalUpdate = defineUpdate<ProposalState, [{ actor: ProposalActor; due?: Deadline }]>(
  'requestApproval',
);
/** `due`: the bodies' decision deadline computed with the work calendar; absent, plain time. */
export const proposalApproveUpdate = defineUpdate<ProposalState, [{ actor: ProposalActor; comment?: string; due?: Deadline }]>(
  'approve',
);
export const proposalReturnUpdate = defineUpdate<ProposalState, [{ actor: ProposalActor; reason: string }]>('return');
export const proposalDecideUpdate = defineUpdate<ProposalState, [{ actor: ProposalActor; decision: DecisionInput }]>('decide');

export const proposalStateQuery = defineQuery<ProposalState>('state');
