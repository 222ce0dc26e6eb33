/**
 * Escalation up the leadership chain, through the API on a real Temporal server with a
 * second-scale policy: levels reached by timeout, vacancy and already-asked skips, every decision,
 * a role change between levels, and acceptance ending it.
 */
import { loadOrgFile, importOrg } from '../../db/org';
import { fastPolicy, SMALL_ORG, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const CS = { liaison: 'p-li-na', direct: 'p-liu-yang', first: 'p-zhang-wei', supervisor: 'p-zhou-wenbin' };
const CYBER_LEADER = 'p-zhao-hongyu';
const PARTY_SECRETARY = 'p-wang-jianguo';

let s: Stack;
beforeAll(async () => {
  // Acknowledge within 1 s: a notice left alone goes overdue at once and escalates. Each leader
  // has 3 s to decide, reminded 1 s before. Critical notices give leaders two minutes instead: the
  // tests where people decide level after level use them, so that a loaded machine cannot let a
  // level time out between two requests (a CI run lost level 3 that way).
  const policy = fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT3S', decideReminders: ['PT1S'], maxSupervise: 'PT1M' });
  policy.severities.critical.escalation = { ...policy.severities.critical.escalation, decideWithin: 'PT2M', reminders: [] };
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

test('without decisions every level is reached by timeout, then it stays with the party secretary', async () => {
  const id = await issue();
  const againAsked = (x: EscalationView) => x.state.steps.length === 6 && x.state.steps[5].outcome === 'pending';
  const e = await waitFor(id, againAsked, 'the party secretary to be asked again', 60000);
  // Never out of every clock (issue 12): the top of the chain is asked again, not ended.
  expect(e.status).toBe('awaiting_decision');
  expect(e.state.steps.map((x) => [x.level, x.assigneeId, x.outcome])).toEqual([
    [1, CS.direct, 'timed_out'],
    [2, CS.first, 'timed_out'],
    [3, CS.supervisor, 'timed_out'],
    [4, CYBER_LEADER, 'timed_out'],
    [5, PARTY_SECRETARY, 'timed_out'],
    [5, PARTY_SECRETARY, 'pending'],
  ]);
  const types = e.timeline.map((t) => t.type);
  expect(types.filter((t) => t === 'escalated')).toHaveLength(6);
  expect(types.filter((t) => t === 'escalation_timed_out')).toHaveLength(5);
  expect(types.filter((t) => t === 'escalation_reminder').length).toBeGreaterThanOrEqual(5);
  expect(e.timeline.filter((t) => t.type === 'escalated').at(-1)!.data.again).toBe(true);

  // Each leader was asked in their inbox, in Chinese.
  for (const leader of [CS.direct, CS.first, CS.supervisor, CYBER_LEADER, PARTY_SECRETARY]) {
    const inbox = (await s.as(leader).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; noticeId: string; subject: string }>;
    const asked = inbox.find((m) => m.kind === 'decision_needed' && m.noticeId === id);
    expect(asked?.subject).toContain('请您决定');
  }
  expect((await s.as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '测试结束' })).status).toBe(200);
});

test('a vacant level and a person already asked are skipped, and the skips recorded', async () => {
  // lib: no direct responsible person; its supervising leader is the party secretary.
  const id = await issue('lib');
  const e = await waitFor(id, (x) => x.state.steps.length === 6, 'the lib chain to be used up', 60000);
  expect(e.state.steps.map((x) => [x.level, x.assigneeId, x.outcome])).toEqual([
    [1, null, 'skipped_vacant'],
    [2, 'p-ye-ting', 'timed_out'],
    [3, PARTY_SECRETARY, 'timed_out'],
    [4, CYBER_LEADER, 'timed_out'],
    [5, PARTY_SECRETARY, 'skipped_already_asked'],
    // The highest leader asked keeps it.
    [4, CYBER_LEADER, 'pending'],
  ]);
  const first = e.timeline.find((t) => t.type === 'escalated')!;
  expect(first.data.skipped).toEqual([{ level: 1, role: 'direct_responsible', assigneeId: null, outcome: 'skipped_vacant' }]);
  expect((await s.as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '测试结束' })).status).toBe(200);
});

test('escalate, supervise (which lapses), wrong people refused, then extend ends it', async () => {
  const id = await issue('cs', { severity: 'critical' });
  let e = await waitFor(id, atLevel(1), 'level 1');

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

  // Supervision beyond what the policy allows is refused; within it, the level waits for the date.
  res = await s.as(CS.first).post(`/api/escalations/${e.id}/decision`, {
    decision: 'supervise',
    until: new Date(Date.now() + 3600000).toISOString(),
  });
  expect(res.status).toBe(422);
  res = await s.as(CS.first).post(`/api/escalations/${e.id}/decision`, {
    decision: 'supervise',
    until: new Date(Date.now() + 2000).toISOString(),
    comment: '两秒内完成',
  });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('supervising');
  const unitInbox = (await s.as(CS.liaison).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; noticeId: string }>;
  expect(unitInbox.some((m) => m.kind === 'escalation_decided' && m.noticeId === id)).toBe(true);

  e = await waitFor(id, atLevel(3), 'the supervision to lapse to level 3');
  expect(e.timeline.map((t) => t.type)).toContain('supervision_lapsed');
  expect(e.assigneeId).toBe(CS.supervisor);

  res = await s.as(CS.supervisor).post(`/api/escalations/${e.id}/decision`, { decision: 'extend', until: new Date(Date.now() + 86400000).toISOString() });
  expect(res.status).toBe(422); // a reason is required
  // A day is beyond what the policy lets a leader extend (maxExtend: the 1 h rectification window).
  res = await s.as(CS.supervisor).post(`/api/escalations/${e.id}/decision`, {
    decision: 'extend',
    until: new Date(Date.now() + 86400000).toISOString(),
    comment: '给予一天整改',
  });
  expect(res.status).toBe(422);
  const until = new Date(Date.now() + 1800000).toISOString();
  res = await s.as(CS.supervisor).post(`/api/escalations/${e.id}/decision`, { decision: 'extend', until, comment: '给予半小时签收' });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('ended');
  expect(res.body.endReason).toBe('extended');
  // The notice was overdue on acknowledgement: that deadline moves, and it is on time again.
  const notice = (await s.as(OFFICE).get(`/api/notices/${id}`)).body;
  expect(notice.overdue).toBeNull();
  expect(notice.acknowledgeBy.at).toBe(until);
  expect(notice.acknowledgeBy.explanation.zh).toContain('第3级领导决定延期');

  // Deciding again on an ended escalation is refused.
  res = await s.as(CS.supervisor).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  expect(res.status).toBe(409);
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

test('accepting the rectification mid-escalation ends it at once', async () => {
  const now = Date.now();
  const id = await issue('ito', { acknowledgeBy: new Date(now + 1500).toISOString(), rectifyBy: new Date(now + 2500).toISOString() });
  expect((await s.as('p-wu-lei').post(`/api/notices/${id}/acknowledge`)).status).toBe(200);
  await waitFor(id, atLevel(1), 'rectify overdue to escalate');
  const report = { summary: '已整改', measures: '补丁', evidence: [{ name: 'a.txt', contentBase64: Buffer.from('ok').toString('base64') }] };
  expect((await s.as('p-wu-lei').post(`/api/notices/${id}/rectification`, report)).status).toBe(200);
  const accepted = await s.as(OFFICE).post(`/api/notices/${id}/review`, { decision: 'accept', comment: '通过' });
  expect(accepted.status).toBe(200);
  // The API answered after the workflow recorded both the acceptance and the end of the escalation.
  const e = (await escalationOf(id))!;
  expect(e.status).toBe('ended');
  expect(e.endReason).toBe('rectification_accepted');
  expect(accepted.body.escalations[0].status).toBe('ended');
});

test('a university leader proposes accountability: the proposal workflow starts', async () => {
  const id = await issue('cs', { severity: 'critical' });
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
