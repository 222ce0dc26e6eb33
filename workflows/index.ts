// The workflow bundle's entry point: every workflow type the worker runs.
export { noticeWorkflow } from './notice';
export { proposalWorkflow } from './proposal';
export { incidentWorkflow } from './incident';
