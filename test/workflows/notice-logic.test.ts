/**
 * The notice workflow's logic — deadlines, reminders, overdue, the review pause of the clock,
 * extensions, escalation up the chain with its decisions, a proposal started as a child — on the
 * run's Temporal server with in-memory activities (test/support/workflow-env.ts): no database, API,
 * dispatcher or visibility between the test and the workflow. Each step is awaited the moment
 * the workflow records it, and actions are sent as the updates themselves, so nothing here waits
 * on the stack; windows are seconds.
 * What needs the stack (messages reaching inboxes, search attributes, the organisation read when a
 * level is reached, a worker restart, the API's answers) stays in notice-timers.test.ts and
 * escalation.test.ts.
 */
import crypto from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createPrcCalendar } from '../../domain/calendar';
import type { EscalationDecisionInput } from '../../domain/escalation';
import type { ProposalEvent } from '../../domain/events';
import type { Actor, NoticeInput, NoticeState } from '../../domain/notice';
import { planNotice } from '../../domain/notice-plan';
import type { Policy } from '../../domain/policy';
import {
  acknowledgeUpdate,
  decideEscalationUpdate,
  decideExtensionUpdate,
  requestExtensionUpdate,
  reviewUpdate,
  stateQuery,
  submitRectificationUpdate,
  withdrawUpdate,
} from '../../workflows/definitions';
import { fastPolicy } from '../support/stack';
import { eventually } from '../support/wait';
import { CS_CHAIN, InMemoryNoticeActivities, startWorkflowEnv, type WorkflowEnv } from '../support/workflow-env';

const OFFICE: Actor = { id: 'p-chen-jing', name: '陈静', capacity: 'office', roles: { university: ['office'], units: [] } };
const LIAISON: Actor = { id: 'p-li-na', name: '李娜', capacity: 'unit', roles: { university: [], units: [{ unitId: 'cs', role: 'liaison' }] } };
const leader = (id: string): Actor => ({ id, name: id, capacity: 'leader', roles: { university: [], units: [] } });
const CS = { direct: 'p-liu-yang', first: 'p-zhang-wei', supervisor: 'p-zhou-wenbin' };
const CYBER_LEADER = 'p-zhao-hongyu';
const PARTY_SECRETARY = 'p-wang-jianguo';
/** The lib unit of the test organisation: no direct responsible person; its supervising leader is the party secretary. */
const LIB_CHAIN = { ...CS_CHAIN, direct_responsible: null, first_responsible: 'p-ye-ting', supervising_leader: PARTY_SECRETARY };

const memory = new InMemoryNoticeActivities({ cs: CS_CHAIN, lib: LIB_CHAIN });
let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv(memory.activities);
}, 60000);
afterAll(async () => {
  await env?.shutdown();
});

const prefix = `L${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
let count = 0;

/**
 * Starts a notice as POST /api/notices would plan it under `policy` (with `rectifyBy`, a deadline
 * the office set, which the acknowledgement deadline is capped at); its number is the run's own.
 */
async function issue(policy: Policy, over: { unitId?: string; rectifyBy?: string } = {}): Promise<{ id: string; handle: WorkflowHandle }> {
  count += 1;
  const id = `${prefix}-2026-${String(count).padStart(4, '0')}`;
  const now = new Date();
  const input: NoticeInput = {
    id,
    unitId: over.unitId ?? 'cs',
    title: '流程逻辑测试',
    category: 'vulnerability',
    severity: 'high',
    description: '桩活动上的通知流程',
    assets: [],
    issuedBy: OFFICE,
    issuedAt: now.toISOString(),
    ...planNotice({ policy, severity: 'high', now, calendar: createPrcCalendar(), rectifyBy: over.rectifyBy }),
  };
  const handle = await env.client.workflow.start('noticeWorkflow', { taskQueue: env.taskQueue, workflowId: `notice-${id}`, args: [input] });
  await memory.next(id, (e) => e.type === 'issued', 'the issue');
  return { id, handle };
}

/** The refusal an update met in its validator: the rule's code and English message. */
async function refused(p: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return { type: err.cause.type ?? undefined, message: err.cause.message };
    throw err;
  }
  throw new Error('the update was accepted');
}

const at = (ms: number) => new Date(Date.now() + ms).toISOString();

async function withdrawn(handle: WorkflowHandle): Promise<NoticeState> {
  await handle.executeUpdate(withdrawUpdate, { args: [{ actor: OFFICE, reason: '测试结束' }] });
  return (await handle.result()) as NoticeState;
}

test('a reminder before the deadline, then overdue, which escalates; acknowledging clears both; the rectify clock runs on; an approved extension moves it', async () => {
  // Acknowledge within 2 s (reminded 1 s before), rectify within 8 s of the issue (reminded 2 s
  // before, once acknowledged); leaders have an hour, so nothing times out here.
  const { id, handle } = await issue(fastPolicy({ ack: 'PT2S', ackReminders: ['PT1S'], rectify: 'PT8S', rectifyReminders: ['PT2S'], decide: 'PT1H' }));
  const asked = await memory.next(id, (e) => e.type === 'escalated', 'the acknowledgement overdue to escalate');
  expect(memory.types(id)).toEqual(['issued', 'reminder_sent:acknowledge', 'overdue:acknowledge', 'escalated']);
  expect(asked.state.overdue).toBe('acknowledge');
  expect(asked.event.data).toMatchObject({ level: 1, assigneeId: CS.direct });
  expect(memory.kinds(id).slice(0, 3)).toEqual(['new_notice', 'reminder', 'overdue']);
  const overdue = memory.messages.find((m) => m.noticeId === id && m.kind === 'overdue')!;
  expect(overdue.audience).toEqual([{ unitId: 'cs', unitRoles: ['liaison', 'direct_responsible'] }, { universityRoles: ['office'] }]);

  // The update answers once acknowledged, on time again, and the escalation ended.
  const acked = await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: LIAISON }] });
  expect(acked.status).toBe('rectifying');
  expect(acked.overdue).toBeNull();
  expect(acked.escalations[0]).toMatchObject({ status: 'ended', endReason: 'back_on_time' });

  const rectifyOverdue = await memory.next(id, (e) => e.type === 'overdue' && e.data.deadline === 'rectify', 'the rectification overdue', { after: acked.version });
  expect(memory.types(id).slice(4)).toEqual(['acknowledged', 'escalation_ended', 'reminder_sent:rectify', 'overdue:rectify']);
  expect(rectifyOverdue.state.status).toBe('rectifying'); // overdue notices stay open
  const second = await memory.next(id, (e) => e.type === 'escalated', 'a second escalation', { after: rectifyOverdue.event.seq });
  expect(second.state.escalations).toHaveLength(2);

  // An approved extension moves the deadline: overdue clears, and the timer follows the new date.
  const until = at(3000);
  const requested = await handle.executeUpdate(requestExtensionUpdate, { args: [{ actor: LIAISON, request: { id: 'x-1', until, reason: '等待厂商补丁' } }] });
  expect(requested.extensions[0].status).toBe('pending');
  const approved = await handle.executeUpdate(decideExtensionUpdate, { args: [{ actor: OFFICE, decision: { requestId: 'x-1', decision: 'approve' } }] });
  expect(approved.overdue).toBeNull();
  expect(approved.rectifyBy.at).toBe(until);
  expect(approved.escalations[1]).toMatchObject({ status: 'ended', endReason: 'back_on_time' });
  const again = await memory.next(id, (e) => e.type === 'overdue' && e.data.deadline === 'rectify', 'overdue at the extended deadline', { after: approved.version });
  expect(again.event.data.due).toBe(until);
  expect(Date.parse(again.event.at)).toBeGreaterThanOrEqual(Date.parse(until));
  const afterApproval = memory.types(id).slice(memory.types(id).indexOf('extension_approved'));
  expect(afterApproval.slice(0, 2)).toEqual(['extension_approved', 'escalation_ended']);
  expect(afterApproval.at(-1)).toBe('overdue:rectify');
  // A third escalation starts from that overdue; the office withdraws once it has.
  await memory.next(id, (e) => e.type === 'escalated', 'a third escalation', { after: again.event.seq });

  const end = await withdrawn(handle);
  expect(end.status).toBe('withdrawn');
  expect(end.escalations.map((e) => e.endReason)).toEqual(['back_on_time', 'back_on_time', 'withdrawn']);
  // Every step recorded once, in order, with no gaps.
  expect(memory.steps.filter((s) => s.noticeId === id).map((s) => s.event.seq)).toEqual(Array.from({ length: end.version }, (_x, i) => i + 1));
});

test('an acknowledgement that comes while the overdue is being sent starts no escalation', async () => {
  const { id, handle } = await issue(fastPolicy({ ack: 'PT2S', rectify: 'PT1H', decide: 'PT1H' }));
  // The overdue's step (its record and its message, one transaction) is held until the liaison has
  // acknowledged.
  let entered!: () => void;
  const sending = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  memory.hold = (req) => {
    if (req.noticeId !== id || req.kind !== 'overdue') return undefined;
    entered();
    return released;
  };
  try {
    await sending;
    expect(memory.types(id)).toEqual(['issued']);
    // The acknowledgement is taken, and its record waits behind the overdue's (records are written
    // in order). Not at once: the overdue's step is a local activity, run inside the workflow task
    // that asked for it, and the update reaches the workflow only when that task ends — here when
    // the worker heartbeats it at 80 % of its 10 s timeout (the SDK's "Workflow task duration
    // exceeded" warning in this test's output). README: "Then: a step as a local activity".
    const acking = handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: LIAISON }] });
    await eventually(async () => (await handle.query(stateQuery)).status === 'rectifying', 20000, 'the acknowledgement to be taken');
    release();
    const acked = await acking;
    expect(acked.overdue).toBeNull();
    // Before the check, the escalation started here anyway: on a notice on time again, which
    // nothing would end. The office withdraws; the workflow's end shows what it started.
    const end = await withdrawn(handle);
    expect(end.escalations).toEqual([]);
    expect(memory.types(id)).toEqual(['issued', 'overdue:acknowledge', 'acknowledged', 'withdrawn']);
  } finally {
    memory.hold = undefined;
    release();
  }
});

test('a report under review stops the clock; a send-back with a new deadline restarts it', async () => {
  // Both deadlines in 3 s (a rectification deadline set by the office caps the acknowledgement's).
  const { id, handle } = await issue(fastPolicy({ ack: 'PT1H', rectify: 'PT1H' }), { rectifyBy: at(3000) });
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: LIAISON }] });
  const report = { summary: '已恢复服务', measures: '更换故障硬盘', evidence: [{ name: 'log.txt', sha256: 'a'.repeat(64), size: 2, mediaType: 'text/plain' }] };
  const submitted = await handle.executeUpdate(submitRectificationUpdate, { args: [{ actor: LIAISON, report }] });
  expect(submitted.status).toBe('under_review');
  // Past the rectification deadline while under review: nothing becomes overdue (the only wait on
  // the clock here, as the point is that nothing happens).
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(submitted.rectifyBy.at) + 1500 - Date.now())));
  expect(memory.types(id)).toEqual(['issued', 'acknowledged', 'rectification_submitted']);

  const newBy = at(60000);
  const back = await handle.executeUpdate(reviewUpdate, { args: [{ actor: OFFICE, review: { decision: 'reject', comment: '日志不全', rectifyBy: newBy } }] });
  expect(back.status).toBe('rectifying');
  expect(back.rectifyBy.at).toBe(newBy);
  expect(back.overdue).toBeNull();
  expect(memory.steps.filter((x) => x.noticeId === id).at(-1)!.event).toMatchObject({ type: 'review_rejected', data: { round: 1, comment: '日志不全', rectifyBy: newBy } });
  await withdrawn(handle);
});

test('without decisions every level is reached by timeout, each leader reminded, then it stays with the party secretary', async () => {
  // Each leader has 2 s, reminded 1 s before.
  const { id, handle } = await issue(fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT2S', decideReminders: ['PT1S'] }));
  const top = await memory.next(id, (e) => e.type === 'escalated' && e.data.again === true, 'the party secretary to be asked again');
  const e = top.state.escalations[0];
  expect(e.status).toBe('awaiting_decision');
  expect(e.steps.map((x) => [x.level, x.assigneeId, x.outcome])).toEqual([
    [1, CS.direct, 'timed_out'],
    [2, CS.first, 'timed_out'],
    [3, CS.supervisor, 'timed_out'],
    [4, CYBER_LEADER, 'timed_out'],
    [5, PARTY_SECRETARY, 'timed_out'],
    [5, PARTY_SECRETARY, 'pending'],
  ]);
  const types = memory.types(id);
  expect(types.filter((t) => t === 'escalated')).toHaveLength(6);
  expect(types.filter((t) => t === 'escalation_timed_out')).toHaveLength(5);
  expect(types.filter((t) => t === 'escalation_reminder').length).toBeGreaterThanOrEqual(5);
  expect((await withdrawn(handle)).escalations[0].endReason).toBe('withdrawn');
  // Each leader was asked (the messages of a finished workflow have all been sent).
  const asked = memory.messages.filter((m) => m.noticeId === id && m.kind === 'decision_needed').map((m) => m.audience);
  expect(asked).toEqual([CS.direct, CS.first, CS.supervisor, CYBER_LEADER, PARTY_SECRETARY, PARTY_SECRETARY].map((p) => [{ personIds: [p] }]));
});

test('a vacant level and a person already asked are skipped, the skips recorded, and the highest leader asked keeps it', async () => {
  const { id, handle } = await issue(fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT1S' }), { unitId: 'lib' });
  const top = await memory.next(id, (e) => e.type === 'escalated' && e.data.again === true, 'the lib chain to be used up');
  expect(top.state.escalations[0].steps.map((x) => [x.level, x.assigneeId, x.outcome])).toEqual([
    [1, null, 'skipped_vacant'],
    [2, 'p-ye-ting', 'timed_out'],
    [3, PARTY_SECRETARY, 'timed_out'],
    [4, CYBER_LEADER, 'timed_out'],
    [5, PARTY_SECRETARY, 'skipped_already_asked'],
    [4, CYBER_LEADER, 'pending'],
  ]);
  const first = memory.steps.find((s) => s.noticeId === id && s.event.type === 'escalated')!;
  expect(first.event.data.skipped).toEqual([{ level: 1, role: 'direct_responsible', assigneeId: null, outcome: 'skipped_vacant' }]);
  await withdrawn(handle);
});

test('escalate, supervise (which lapses), wrong people refused, then an extension ends it and moves the acknowledgement deadline', async () => {
  const { id, handle } = await issue(fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT1H', maxSupervise: 'PT1M' }));
  const reached = await memory.next(id, (e) => e.type === 'escalated', 'level 1');
  const escalationId = reached.event.data.escalationId as string;
  const decide = (who: string, decision: Omit<EscalationDecisionInput, 'escalationId'>) =>
    handle.executeUpdate(decideEscalationUpdate, { args: [{ actor: leader(who), decision: { escalationId, ...decision } }] });

  // Only the person the level asked decides; accountability only from level 3.
  expect(await refused(decide(OFFICE.id, { decision: 'escalate' }))).toMatchObject({ type: 'forbidden' });
  expect((await refused(decide(CS.first, { decision: 'escalate' }))).message).toContain('level 1');
  expect(await refused(decide(CS.direct, { decision: 'propose_accountability', comment: 'x' }))).toMatchObject({ type: 'forbidden' });

  let s = await decide(CS.direct, { decision: 'escalate', comment: '请书记督办' });
  expect(s.escalations[0]).toMatchObject({ level: 2, status: 'awaiting_decision' });
  expect(s.escalations[0].steps.at(-1)!.assigneeId).toBe(CS.first);

  // Supervision beyond what the policy allows is refused; within it, the level waits for the date.
  expect(await refused(decide(CS.first, { decision: 'supervise', until: at(3600000) }))).toMatchObject({ type: 'invalid_input' });
  s = await decide(CS.first, { decision: 'supervise', until: at(2000), comment: '两秒内完成' });
  expect(s.escalations[0].status).toBe('supervising');
  expect(memory.messages.filter((m) => m.noticeId === id).at(-1)).toMatchObject({ kind: 'escalation_decided', audience: [{ unitId: 'cs', unitRoles: ['liaison', 'direct_responsible'] }] });
  const lapsed = await memory.next(id, (e) => e.type === 'supervision_lapsed', 'the supervision to lapse', { after: s.version });
  const level3 = await memory.next(id, (e) => e.type === 'escalated' && e.data.level === 3, 'level 3', { after: lapsed.event.seq });
  expect(level3.event.data.assigneeId).toBe(CS.supervisor);

  // An extension needs a reason and stays within the policy's bound (the 1 h rectification window).
  expect(await refused(decide(CS.supervisor, { decision: 'extend', until: at(1800000) }))).toMatchObject({ type: 'invalid_input' });
  expect((await refused(decide(CS.supervisor, { decision: 'extend', until: at(86400000), comment: '给予一天' }))).message).toContain('maxExtend');
  const until = at(1800000);
  s = await decide(CS.supervisor, { decision: 'extend', until, comment: '给予半小时签收' });
  expect(s.escalations[0]).toMatchObject({ status: 'ended', endReason: 'extended' });
  // The notice was overdue on acknowledgement: that deadline moves, and it is on time again.
  expect(s.overdue).toBeNull();
  expect(s.acknowledgeBy.at).toBe(until);
  expect(s.acknowledgeBy.explanation.zh).toContain('第3级领导决定延期');
  expect(memory.steps.filter((x) => x.noticeId === id && x.event.type === 'escalation_decided').at(-1)!.event.data).toMatchObject({ decision: 'extend', moved: ['acknowledgeBy'], acknowledgeBy: until });

  // Deciding again on an ended escalation is refused.
  expect(await refused(decide(CS.supervisor, { decision: 'escalate' }))).toMatchObject({ type: 'invalid_state' });
  await withdrawn(handle);
});

test('accepting the rectification mid-escalation ends it in the same step: the update answers with it ended', async () => {
  const { id, handle } = await issue(fastPolicy({ ack: 'PT1H', rectify: 'PT1H', decide: 'PT1H' }), { rectifyBy: at(3000) });
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ actor: LIAISON }] });
  await memory.next(id, (e) => e.type === 'escalated', 'the rectification overdue to escalate');
  const report = { summary: '已整改', measures: '补丁', evidence: [{ name: 'a.txt', sha256: 'b'.repeat(64), size: 2, mediaType: 'text/plain' }] };
  await handle.executeUpdate(submitRectificationUpdate, { args: [{ actor: LIAISON, report }] });
  const accepted = await handle.executeUpdate(reviewUpdate, { args: [{ actor: OFFICE, review: { decision: 'accept', comment: '通过' } }] });
  expect(accepted.status).toBe('closed');
  expect(accepted.escalations[0]).toMatchObject({ status: 'ended', endReason: 'rectification_accepted' });
  expect(memory.types(id).slice(-2)).toEqual(['review_accepted', 'escalation_ended']);
  expect(((await handle.result()) as NoticeState).status).toBe('closed');
});

test('a university leader proposes accountability: the proposal starts as its own workflow with the facts, and the escalation ends', async () => {
  const { id, handle } = await issue(fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT1H' }));
  const reached = await memory.next(id, (e) => e.type === 'escalated', 'level 1');
  const escalationId = reached.event.data.escalationId as string;
  const decide = (who: string, decision: Omit<EscalationDecisionInput, 'escalationId'>) =>
    handle.executeUpdate(decideEscalationUpdate, { args: [{ actor: leader(who), decision: { escalationId, ...decision } }] });
  await decide(CS.direct, { decision: 'escalate' });
  await decide(CS.first, { decision: 'escalate' });
  expect(await refused(decide(CS.supervisor, { decision: 'propose_accountability' }))).toMatchObject({ type: 'invalid_input' });
  const s = await decide(CS.supervisor, { decision: 'propose_accountability', comment: '多次督办仍未签收整改' });
  expect(s.escalations[0]).toMatchObject({ status: 'ended', endReason: 'accountability_proposed' });
  const proposalId = s.escalations[0].proposalId!;
  expect(proposalId).toBeTruthy();
  // The child records its creation (its own workflow, with the notice's facts and who was asked).
  const created = await new Promise<ProposalEvent>((resolve, reject) => {
    const started = Date.now();
    const look = () => {
      const found = memory.proposals.find((p) => p.id === proposalId && p.event.type === 'created');
      if (found) resolve(found.event);
      else if (Date.now() - started > 30000) reject(new Error('the proposal was not created'));
      else setTimeout(look, 50);
    };
    look();
  });
  expect(created.data.origin).toMatchObject({ kind: 'escalation', noticeId: id, level: 3, leaderId: CS.supervisor, asked: [CS.direct, CS.first, CS.supervisor] });
  const decided = memory.steps.filter((x) => x.noticeId === id).map((x) => x.event).filter((e) => e.type === 'escalation_ended').at(-1)!;
  expect(decided.data).toMatchObject({ reason: 'accountability_proposed', proposalId });
  await withdrawn(handle);
});
