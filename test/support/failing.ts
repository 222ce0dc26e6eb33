/**
 * What a test asks Temporal directly (not through the API under test): the workflows of this
 * stack's task queue that are still running with an activity that has failed at least once — a
 * process bad input left behind, retrying.
 */
import type { Stack } from './stack';

export interface FailingWorkflow {
  workflowId: string;
  activityType: string;
  attempt: number;
  lastFailure: string;
}

export async function runningWithFailingActivity(s: Stack): Promise<FailingWorkflow[]> {
  const out: FailingWorkflow[] = [];
  for await (const w of s.client.workflow.list({ query: `TaskQueue = "${s.taskQueue}" AND ExecutionStatus = "Running"` })) {
    const d = await s.client.workflow.getHandle(w.workflowId, w.runId).describe();
    for (const a of d.raw.pendingActivities ?? []) {
      if ((a.attempt ?? 1) > 1 || a.lastFailure) {
        out.push({ workflowId: w.workflowId, activityType: a.activityType?.name ?? '?', attempt: a.attempt ?? 0, lastFailure: a.lastFailure?.message ?? '' });
      }
    }
  }
  return out;
}

/** Rows a refused request could have written (numbers allocated, idempotency keys, notices, proposals). */
export async function writtenRows(s: Stack): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['notice_counters', 'notice_requests', 'notices', 'notice_events', 'proposal_counters', 'proposal_requests', 'accountability_proposals', 'proposal_events']) {
    out[t] = Number((await s.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  }
  return out;
}
