/**
 * Deploy safety: the recorded histories of every workflow type (test/replay/histories/*.json,
 * refreshed by `npm run replay:record`; notices from before issue 12's patch, the step patch and
 * the local-first patch, and after them) replay
 * against the current workflow code without a determinism violation — so a worker with this code
 * can take over notices, proposals and incidents that are running now. And the check has teeth: the same histories against a deliberately incompatible
 * bundle fail with DeterminismViolationError, and against that change guarded by patched() pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from './history-json';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { temporal } from '@temporalio/proto';

// Replay workers log their lifecycle at INFO; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

const DIR = path.join(__dirname, 'histories');
const histories = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'))) }));

const eventName = (t: temporal.api.enums.v1.EventType | null | undefined) => temporal.api.enums.v1.EventType[t ?? 0];

function workflowType(h: temporal.api.history.v1.IHistory): string {
  return h.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
}

const quiet = { info: () => undefined, warn: () => undefined, error: console.error, debug: () => undefined, trace: () => undefined, log: () => undefined };

async function replayAll(options: ReplayWorkerOptions): Promise<Array<{ name: string; error?: Error }>> {
  const results: Array<{ name: string; error?: Error }> = [];
  const input = histories.map((h) => ({ workflowId: h.name, history: h.history }));
  for await (const r of Worker.runReplayHistories(options, input)) results.push({ name: r.workflowId, error: r.error });
  return results;
}

async function bundle(fixture: string): Promise<ReplayWorkerOptions> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'fixtures', fixture), logger: quiet });
  return { workflowBundle: { code } };
}

const activities = (h: temporal.api.history.v1.IHistory) =>
  (h.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => !!n);
/** The local activities a history ran: the SDK records each as a marker named core_local_activity. */
const localActivities = (h: temporal.api.history.v1.IHistory) =>
  (h.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');

test('recordings cover every workflow type, each with a history that did work', () => {
  const types = new Set(histories.map((h) => workflowType(h.history)));
  expect([...types].sort()).toEqual(['incidentWorkflow', 'noticeWorkflow', 'proposalWorkflow']);
  for (const h of histories) {
    const kinds = new Set((h.history.events ?? []).map((e) => eventName(e.eventType)));
    // Work done: an activity completed, or (a notice's steps since the local-first patch) a local one.
    expect(kinds.has('EVENT_TYPE_ACTIVITY_TASK_COMPLETED') || localActivities(h.history).length > 0).toBe(true);
    expect(kinds.has('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')).toBe(true);
  }
  const all = new Set(histories.flatMap((h) => (h.history.events ?? []).map((e) => eventName(e.eventType))));
  for (const k of ['EVENT_TYPE_TIMER_FIRED', 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED', 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 'EVENT_TYPE_MARKER_RECORDED']) {
    expect(all.has(k)).toBe(true);
  }
});


test('both sides of the reminder patch are recorded: a reminder before it (two activities) and after it (one)', () => {
  const escalated = histories.filter((h) => ['pre-reminder-patch-notice-escalated-proposal', 'pre-step-one-activity-notice-escalated-proposal'].includes(h.name));
  expect(escalated.map((h) => activities(h.history).includes('recordAndNotify'))).toEqual([false, true]);
});

test('both sides of the step patch are recorded: records and messages as separate activities before it, one activity per step after it', () => {
  const before = histories.filter((h) => h.name.startsWith('pre-step-one-activity-notice-'));
  const after = histories.filter((h) => h.name.startsWith('pre-local-step-notice-'));
  expect(before.length).toBe(after.length);
  expect(after.length).toBeGreaterThan(0);
  for (const h of before) expect(activities(h.history)).toContain('notify');
  for (const h of after) {
    const names = activities(h.history);
    expect(names).not.toContain('notify');
    expect(names).toContain('recordAndNotify');
  }
});

test('both sides of the local-first patch are recorded: steps as ordinary activities before it, as local activities after it', () => {
  const before = histories.filter((h) => h.name.startsWith('pre-local-step-notice-'));
  const after = histories.filter((h) => h.name.startsWith('notice-'));
  expect(before.length).toBe(after.length);
  expect(after.length).toBeGreaterThan(0);
  for (const h of before) expect(localActivities(h.history)).toHaveLength(0);
  for (const h of after) {
    // Every step's record went through the local activity; none fell back (nothing failed).
    expect(activities(h.history).filter((n) => n === 'recordAndNotify' || n === 'recordNoticeEvent')).toEqual([]);
    expect(localActivities(h.history).length).toBeGreaterThan(0);
  }
});

test('every recorded history replays against the current workflow code', async () => {
  const codePath = process.env.TEMPORAL_TEST_BUNDLE!;
  const results = await replayAll({ workflowBundle: { codePath } });
  expect(results.map((r) => r.name)).toEqual(histories.map((h) => h.name));
  expect(results.filter((r) => r.error).map((r) => `${r.name}: ${r.error!.message}`)).toEqual([]);
});

test('a deliberately incompatible change is caught; the same change behind patched() is not', async () => {
  const broken = await replayAll(await bundle('incompatible-workflows.ts'));
  const notices = histories.filter((h) => workflowType(h.history) === 'noticeWorkflow').map((h) => h.name);
  expect(notices.length).toBeGreaterThan(0);
  for (const r of broken) {
    if (notices.includes(r.name)) expect(r.error).toBeInstanceOf(DeterminismViolationError);
    else expect(r.error).toBeUndefined(); // proposals and incidents did not change
  }
  const guarded = await replayAll(await bundle('patched-workflows.ts'));
  expect(guarded.filter((r) => r.error).map((r) => `${r.name}: ${r.error!.message}`)).toEqual([]);
});
