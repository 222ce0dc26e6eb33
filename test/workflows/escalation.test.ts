/**
 * Escalation up the leadership chain through the whole stack (API, real worker and activities,
 * database, the organisation read when a level is reached), with a second-scale policy: the API's
 * answers to wrong people and bad decisions, what leaders see and are told, a role change between
 * levels, a proposal started as its own workflow, search attributes. The chain's logic — levels
 * by timeout, skips, the top asked again, supervision lapsing, extensions, acceptance ending it —
 * is tested without the stack in notice-logic.test.ts.
 */
import { loadOrgFile, importOrg } from '../../db/org';
import { fastPolicy, SMALL_ORG, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const CS = { liaison: 'p-li-na', direct: 'p-liu-yang', first: 'p-zhang-wei', supervisor: 'p-zhou-wenbin' };

let s: Stack;
beforeAll(async () => {
  // Acknowledge within 1 s: a notice left alone goes overdue at once and escalates. On a high
  // notice each leader has 3 s to decide, reminded 1 s before (levels reached by timeout); on a
  // medium one an hour, for the tests whose leaders decide through the API (a loaded machine must
  // not let a level time out under them).
  const policy = fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT3S', decideReminders: ['PT1S'], maxSupervise: 'PT1M' });
  policy.severities.medium.escalation = { ...policy.severities.medium.escalation, decideWithin: 'PT1H', reminders: [] };
  s = await startStack({ policy });
});
afterAll(async () => {
  await s?.shutdown();
});

interface EscalationView {
  id: string;
  level: number;
  status: string;
  assigneeId: string | null;
  endReason: string | null;
  state: { steps: Array<{ level: number; assigneeId: string | null; outcome: string; decision?: { kind: string } }> };
  timeline: Array<{ type: string; data: Record<string, unknown> }>;
}

async function issue(unitId = 'cs', over: object = {}): Promise<string> {
  const res = await s.as(OFFICE).post('/api/notices', {
    unitId,
    title: '逾期督办测试',
    category: 'vulnerability',
    severity: 'high',
    description: '未按期签收的通知',
    ...over,
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function escalationOf(noticeId: string): Promise<EscalationView | undefined> {
  const list = await s.as(OFFICE).get(`/api/escalations?noticeId=${noticeId}`);
  const first = list.body.items[0] as { id: string } | undefined;
  if (!first) return undefined;
  return (await s.as(OFFICE).get(`/api/escalations/${first.id}`)).body;
}

/** Waits until the notice's escalation satisfies `pred`. */
function waitFor(noticeId: string, pred: (e: EscalationView) => boolean, what: string, ms = 40000): Promise<EscalationView> {
  return eventually(async () => {
    const e = await escalationOf(noticeId);
    return e && pred(e) ? e : undefined;
  }, ms, what);
}

const atLevel = (level: number) => (e: EscalationView) => e.level === level && e.status === 'awaiting_decision' && !!e.assigneeId;

test('through the API: wrong people and bad decisions refused with their status, a leader sees what waits, escalate and supervise answer with the escalation, the unit is told', async () => {
  const id = await issue('cs', { severity: 'medium' });
  const e = await waitFor(id, atLevel(1), 'level 1');

  // Only the person at the level decides; the office sees but decides nothing.
  let res = await s.as(OFFICE).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  expect(res.status).toBe(403);
  res = await s.as(CS.first).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  expect(res.status).toBe(403);
  expect(res.body.error).toContain('第1级');
  res = await s.as(CS.direct).post(`/api/escalations/${e.id}/decision`, { decision: 'propose_accountability', comment: 'x' });
  expect(res.status).toBe(403);
  res = await s.as(CS.direct).post(`/api/escalations/${e.id}/decision`, { decision: 'fly' });
  expect(res.status).toBe(400);

  // Leaders see what waits for them.
  const mine = await s.as(CS.direct).get('/api/escalations?assignee=me');
  expect(mine.body.items.map((x: { id: string }) => x.id)).toContain(e.id);

  res = await s.as(CS.direct).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate', comment: '请书记督办' });
  expect(res.status).toBe(200);
  expect(res.body.level).toBe(2);
  expect(res.body.assigneeId).toBe(CS.first);

  // Supervision beyond what the policy allows is refused; within it, the level waits for the date
  // (half a minute: a loaded machine must not make it pass before the API reads it).
  res = await s.as(CS.first).post(`/api/escalations/${e.id}/decision`, {
    decision: 'supervise',
    until: new Date(Date.now() + 3600000).toISOString(),
  });
  expect(res.status).toBe(422);
  res = await s.as(CS.first).post(`/api/escalations/${e.id}/decision`, {
    decision: 'supervise',
    until: new Date(Date.now() + 30000).toISOString(),
    comment: '半分钟内完成',
  });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('supervising');
  const unitInbox = (await s.as(CS.liaison).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; noticeId: string }>;
  expect(unitInbox.some((m) => m.kind === 'escalation_decided' && m.noticeId === id)).toBe(true);
  expect((await s.as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '测试结束' })).status).toBe(200);
});

test('a role that changes hands between levels asks the new holder', async () => {
  const id = await issue();
  await waitFor(id, atLevel(1), 'level 1');
  // The unit's secretary changes while level 1 is deciding.
  const org = loadOrgFile(SMALL_ORG);
  org.units.find((u) => u.id === 'cs')!.firstResponsible = 'p-yang-fan';
  await importOrg(s.db, org, { source: 'test-change' });
  try {
    const e = await waitFor(id, atLevel(2), 'level 2');
    expect(e.assigneeId).toBe('p-yang-fan');
    // Acknowledging brings the notice back on time: the escalation ends and the leaders asked are told.
    expect((await s.as(CS.liaison).post(`/api/notices/${id}/acknowledge`)).status).toBe(200);
    const ended = await waitFor(id, (x) => x.status === 'ended', 'the escalation to end');
    expect(ended.endReason).toBe('back_on_time');
    const told = (await s.as(CS.direct).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; noticeId: string }>;
    expect(told.some((m) => m.kind === 'escalation_ended' && m.noticeId === id)).toBe(true);
  } finally {
    await importOrg(s.db, loadOrgFile(SMALL_ORG), { source: 'test-restore' });
  }
});

test('a university leader proposes accountability: the proposal workflow starts', async () => {
  const id = await issue('cs', { severity: 'medium' });
  let e = await waitFor(id, atLevel(1), 'level 1');
  await s.as(CS.direct).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  e = await waitFor(id, atLevel(2), 'level 2');
  await s.as(CS.first).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  e = await waitFor(id, atLevel(3), 'level 3');
  let res = await s.as(CS.supervisor).post(`/api/escalations/${e.id}/decision`, { decision: 'propose_accountability' });
  expect(res.status).toBe(422); // facts and reasons required
  res = await s.as(CS.supervisor).post(`/api/escalations/${e.id}/decision`, {
    decision: 'propose_accountability',
    comment: '多次督办仍未签收整改',
  });
  expect(res.status).toBe(200);
  expect(res.body.endReason).toBe('accountability_proposed');
  const proposalId = res.body.state.proposalId as string;
  expect(proposalId).toBeTruthy();

  // The proposal is its own workflow, drafted for the office with the attribution filled in.
  const proposal = await eventually(async () => {
    const r = await s.as(OFFICE).get(`/api/accountability-proposals/${proposalId}`);
    return r.status === 200 ? r.body : undefined;
  }, 30000, 'the proposal to be recorded');
  expect(proposal.status).toBe('draft');
  expect(proposal.origin).toMatchObject({ kind: 'escalation', noticeId: id, level: 3, leaderId: CS.supervisor });
  expect(proposal.noticeIds).toEqual([id]);

  // Each leader asked was asked in their inbox, in Chinese.
  for (const leader of [CS.direct, CS.first, CS.supervisor]) {
    const inbox = (await s.as(leader).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; noticeId: string; subject: string }>;
    expect(inbox.find((m) => m.kind === 'decision_needed' && m.noticeId === id)?.subject).toContain('请您决定');
  }
});

test('operators find escalated notices by search attribute', async () => {
  const id = await issue();
  await waitFor(id, (x) => x.level >= 2, 'level 2');
  await eventually(async () => {
    for await (const wf of s.client.workflow.list({ query: `CydEscalationLevel >= 2 AND CydUnit = "cs"` })) {
      if (wf.workflowId.endsWith(id)) return true;
    }
    return false;
  }, 20000, 'visibility by CydEscalationLevel');
});
