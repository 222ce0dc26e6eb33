/**
 * `npm run replay:record`: drives every workflow type through the real stack (the run's Temporal
 * server, a real worker and database, the API) along paths that together issue every kind of
 * command the workflows have — activities, timers (reminders, deadlines, decision windows),
 * updates, search attribute upserts, a child workflow — and writes each workflow's history to
 * test/replay/histories/<name>.json. test/replay/replay.test.ts replays them against the current
 * code. Re-record after a change to workflows/ that is *meant* to change histories (guarded by
 * patched(), see README "Changing workflow code"), and keep the old files while workflows
 * recorded with the old code may still be running.
 *
 * Not a *.test.ts file: the normal test run does not record.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { historyToJSON } from './history-json';
import { temporal } from '@temporalio/proto';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OUT = path.join(__dirname, 'histories');
const OFFICE = 'p-chen-jing';
const LIAISON = 'p-li-na';
const FIRST = 'p-zhang-wei';
const SUPERVISOR = 'p-zhou-wenbin';
const LEADER = 'p-zhao-hongyu';
const PARTY = 'p-liu-chang';
const DISCIPLINE = 'p-he-yun';
const MEMBER = 'p-liu-wei';
const MA = 'p-ma-jun';
const PROPOSALS = '/api/accountability-proposals';

let s: Stack;
beforeAll(async () => {
  // Reminders 2 s before a 4 s acknowledgement deadline; leaders decide within 4 s, reminded 2 s
  // before: every timer kind fires within seconds. Incidents: reported within 3 s (reminded 1 s
  // before), an outage alerted and its trigger at 4 s.
  const policy = fastPolicy({ ack: 'PT4S', ackReminders: ['PT2S'], rectify: 'PT1H', rectifyReminders: ['PT30M'], decide: 'PT4S', decideReminders: ['PT2S'], maxSupervise: 'PT1M' });
  const W = { cii: 'PT3S', other: 'PT3S' };
  policy.incidents = {
    ...policy.incidents,
    reportWithin: { general: W, larger: W, major: W, especially_major: W },
    reportReminders: ['PT1S'],
    outageAlertAfter: 'PT4S',
  };
  policy.triggers = { ...policy.triggers, outage_threshold: { enabled: true, threshold: 'PT4S' } };
  s = await startStack({ policy });
  fs.mkdirSync(OUT, { recursive: true });
});
afterAll(async () => {
  await s?.shutdown();
});

function as(personId: string) {
  const auth = async () => `Bearer ${await s.tokens.sign(personId)}`;
  return {
    get: async (url: string) => request(s.app).get(url).set('Authorization', await auth()),
    post: async (url: string, body: object = {}) => request(s.app).post(url).set('Authorization', await auth()).send(body),
    patch: async (url: string, body: object) => request(s.app).patch(url).set('Authorization', await auth()).send(body),
  };
}

async function ok(p: Promise<request.Response>, status = 200): Promise<request.Response> {
  const res = await p;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

async function save(name: string, workflowId: string, done: (types: string[]) => boolean): Promise<void> {
  const handle = s.client.workflow.getHandle(workflowId);
  // Wait until the workflow has done the step being recorded and is at rest: no workflow task and
  // no activity pending, so the history ends where a worker would next pick it up.
  const history = await eventually(async () => {
    const h = await handle.fetchHistory();
    if (!done((h.events ?? []).map((e) => eventName(e.eventType)))) return undefined;
    const { raw } = await handle.describe();
    if (raw.pendingWorkflowTask || (raw.pendingActivities?.length ?? 0) > 0) return undefined;
    const again = await handle.fetchHistory();
    return again.events?.length === h.events?.length ? again : undefined;
  }, 60000, `${name} to reach its recorded step`);
  fs.writeFileSync(path.join(OUT, `${name}.json`), `${historyToJSON(history)}\n`);
  console.log(`recorded ${name} (${workflowId}): ${history.events?.length} events`);
}

const eventName = (t: temporal.api.enums.v1.EventType | null | undefined) => temporal.api.enums.v1.EventType[t ?? 0];

const far = () => new Date(Date.now() + 3 * 86400_000).toISOString();

async function issue(explicit: boolean): Promise<string> {
  const res = await ok(
    as(OFFICE).post('/api/notices', {
      unitId: 'cs',
      title: '回放测试通知',
      category: 'vulnerability',
      severity: 'high',
      description: '用于录制工作流历史',
      ...(explicit ? { acknowledgeBy: far(), rectifyBy: far() } : {}),
    }),
    201,
  );
  return res.body.id as string;
}

const timeline = async (id: string) => ((await as(OFFICE).get(`/api/notices/${id}`)).body.timeline as Array<{ type: string }>).map((t) => t.type);
const completed = (types: string[]) => types.includes('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');

test('notice: issue → acknowledge → report → sent back with a new deadline → report → accepted (closed)', async () => {
  const id = await issue(true);
  await ok(as(LIAISON).post(`/api/notices/${id}/acknowledge`));
  const report = { summary: '已修复', measures: '参数化查询', evidence: [{ name: '复测.txt', mediaType: 'text/plain', contentBase64: Buffer.from('ok').toString('base64') }] };
  await ok(as(LIAISON).post(`/api/notices/${id}/rectification`, report));
  await ok(as(OFFICE).post(`/api/notices/${id}/review`, { decision: 'reject', comment: '证据不足', rectifyBy: far() }));
  await ok(as(LIAISON).post(`/api/notices/${id}/rectification`, report));
  await ok(as(OFFICE).post(`/api/notices/${id}/review`, { decision: 'accept', comment: '整改到位' }));
  await save('notice-closed', `notice-${id}`, completed);
});

test('notice: acknowledge → extension requested → approved → another denied → withdrawn', async () => {
  const id = await issue(true);
  await ok(as(LIAISON).post(`/api/notices/${id}/acknowledge`));
  const until = new Date(Date.now() + 5 * 86400_000).toISOString();
  const r1 = await ok(as(LIAISON).post(`/api/notices/${id}/extension-requests`, { until, reason: '需采购设备' }), 201);
  const req1 = r1.body.id as string;
  await ok(as(OFFICE).post(`/api/notices/${id}/extension-requests/${req1}/decision`, { decision: 'approve', comment: '同意' }));
  const r2 = await ok(as(LIAISON).post(`/api/notices/${id}/extension-requests`, { until: new Date(Date.now() + 9 * 86400_000).toISOString(), reason: '再延' }), 201);
  const req2 = r2.body.id as string;
  await ok(as(OFFICE).post(`/api/notices/${id}/extension-requests/${req2}/decision`, { decision: 'deny', comment: '不同意' }));
  await ok(as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '系统已下线' }));
  await save('notice-withdrawn', `notice-${id}`, completed);
});

test('notice: reminder → overdue → escalation (reminder, timeout, escalate, supervise) → accountability proposed (child workflow) → still open', async () => {
  const id = await issue(false);
  const escalation = async () => {
    const list = await as(OFFICE).get(`/api/escalations?noticeId=${id}`);
    const first = list.body.items?.[0] as { id: string } | undefined;
    return first ? ((await as(OFFICE).get(`/api/escalations/${first.id}`)).body as { id: string; level: number; status: string; assigneeId: string | null }) : undefined;
  };
  // Level 1 lets its window pass (reminder, then timeout); level 2 escalates; level 3 supervises,
  // then proposes accountability.
  await eventually(async () => (await timeline(id)).includes('escalation_timed_out'), 60000, 'level 1 to time out');
  const e2 = await eventually(async () => {
    const e = await escalation();
    return e && e.level === 2 && e.status === 'awaiting_decision' && e.assigneeId === FIRST ? e : undefined;
  }, 60000, 'level 2');
  await ok(as(FIRST).post(`/api/escalations/${e2.id}/decision`, { decision: 'escalate', comment: '上报' }));
  await eventually(async () => {
    const e = await escalation();
    return e && e.level === 3 && e.assigneeId === SUPERVISOR ? e : undefined;
  }, 60000, 'level 3');
  await ok(as(SUPERVISOR).post(`/api/escalations/${e2.id}/decision`, { decision: 'propose_accountability', comment: '逾期未整改，提出问责' }));
  await save('notice-escalated-proposal', `notice-${id}`, (types) => types.includes('EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED'));
});

test('proposal: draft → edited → approval requested → returned → approved → both bodies decide (closed)', async () => {
  const res = await ok(
    as(OFFICE).post(PROPOSALS, {
      unitId: 'cs',
      trigger: 'outage_6h',
      facts: '学院门户网站遭受攻击，未及时处置，中断8小时。',
      factsAt: new Date().toISOString(),
      partiesConcerned: [MA],
    }),
    201,
  );
  const url = `${PROPOSALS}/${res.body.id as string}`;
  await ok(
    as(OFFICE).patch(url, {
      individuals: [{ personId: MA, measure: 'admonishment', reason: '未按要求及时处置' }],
      collective: { importantLeadership: [MEMBER], measures: [{ measure: 'self_examination', reason: '长期未研究部署' }] },
    }),
  );
  await ok(as(OFFICE).post(`${url}/request-approval`));
  await ok(as(LEADER).post(`${url}/return`, { reason: '补充监测依据' }));
  await ok(as(OFFICE).patch(url, { facts: '学院门户网站遭受攻击，中断8小时（附监测记录）。' }));
  await ok(as(OFFICE).post(`${url}/request-approval`));
  await ok(as(LEADER).post(`${url}/approve`, { comment: '同意提交' }));
  await ok(as(PARTY).post(`${url}/decision`, { decision: 'accepted' }));
  await ok(as(DISCIPLINE).post(`${url}/decision`, { decision: 'accepted' }));
  await save('proposal-closed', `proposal-${res.body.id as string}`, completed);
});

// Issue 12's rules (patch issue-12-overdue-rules): the paths the histories above, recorded before
// it, do not take.

const escalationOf = async (id: string) => {
  const list = await as(OFFICE).get(`/api/escalations?noticeId=${id}`);
  const items = (list.body.items ?? []) as Array<{ id: string }>;
  const last = items[0];
  return last ? ((await as(OFFICE).get(`/api/escalations/${last.id}`)).body as { id: string; level: number; status: string; assigneeId: string | null; state: { steps: Array<{ outcome: string }> } }) : undefined;
};
const awaiting = (id: string, level: number, who?: string) =>
  eventually(async () => {
    const e = await escalationOf(id);
    return e && e.level === level && e.status === 'awaiting_decision' && (!who || e.assigneeId === who) ? e : undefined;
  }, 90000, `level ${level} of ${id}`);

test('notice (issue 12): no decisions — every level times out, the top of the chain is asked again → withdrawn', async () => {
  const id = await issue(false);
  await eventually(async () => {
    const e = await escalationOf(id);
    return e && e.state.steps.length === 6 && e.state.steps[5].outcome === 'pending' ? e : undefined;
  }, 120000, 'the party secretary to be asked again');
  await ok(as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '测试结束' }));
  await save('notice-top-asked-again-withdrawn', `notice-${id}`, completed);
});

test("notice (issue 12): a leader's extension moves the acknowledgement deadline → acknowledged → extension approved → sent back with the review pause → accepted", async () => {
  const id = await issue(false);
  const e = await awaiting(id, 1);
  await ok(as(e.assigneeId!).post(`/api/escalations/${e.id}/decision`, { decision: 'extend', until: new Date(Date.now() + 30 * 60000).toISOString(), comment: '给予半小时签收' }));
  await ok(as(LIAISON).post(`/api/notices/${id}/acknowledge`));
  const notice = (await as(OFFICE).get(`/api/notices/${id}`)).body as { rectifyBy: { at: string } };
  const r = await ok(as(LIAISON).post(`/api/notices/${id}/extension-requests`, { until: new Date(Date.parse(notice.rectifyBy.at) + 600000).toISOString(), reason: '需采购设备' }), 201);
  await ok(as(OFFICE).post(`/api/notices/${id}/extension-requests/${r.body.id as string}/decision`, { decision: 'approve', comment: '同意' }));
  const report = { summary: '已修复', measures: '参数化查询', evidence: [{ name: '复测.txt', mediaType: 'text/plain', contentBase64: Buffer.from('ok').toString('base64') }] };
  await ok(as(LIAISON).post(`/api/notices/${id}/rectification`, report));
  await ok(as(OFFICE).post(`/api/notices/${id}/review`, { decision: 'reject', comment: '证据不足' }));
  await ok(as(LIAISON).post(`/api/notices/${id}/rectification`, report));
  await ok(as(OFFICE).post(`/api/notices/${id}/review`, { decision: 'accept', comment: '整改到位' }));
  await save('notice-leader-extends-review-pause-closed', `notice-${id}`, completed);
});

test('notice (issue 12): escalate → supervise, which lapses → accountability proposed (child workflow) → withdrawn', async () => {
  const id = await issue(false);
  const e1 = await awaiting(id, 1);
  await ok(as(e1.assigneeId!).post(`/api/escalations/${e1.id}/decision`, { decision: 'escalate', comment: '上报' }));
  const e2 = await awaiting(id, 2, FIRST);
  await ok(as(FIRST).post(`/api/escalations/${e2.id}/decision`, { decision: 'supervise', until: new Date(Date.now() + 2000).toISOString(), comment: '两秒内完成' }));
  const e3 = await awaiting(id, 3, SUPERVISOR);
  await ok(as(SUPERVISOR).post(`/api/escalations/${e3.id}/decision`, { decision: 'propose_accountability', comment: '逾期未整改，提出问责' }));
  await ok(as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '测试结束' }));
  await save('notice-supervise-lapses-proposal-withdrawn', `notice-${id}`, completed);
});

const INCIDENTS = '/api/incidents';
const incidentTimeline = async (id: string) => ((await as(OFFICE).get(`${INCIDENTS}/${id}`)).body.timeline as Array<{ type: string }>).map((t) => t.type);
const evidence = [{ name: '处置记录.txt', mediaType: 'text/plain', contentBase64: Buffer.from('ok').toString('base64') }];

test('incident: learned of by the office → report reminder and overdue → confirmed → reported late (a trigger opens a draft, child workflow) → contained → restored and confirmed → closing report sent back → accepted (closed)', async () => {
  const res = await ok(
    as(OFFICE).post(INCIDENTS, { unitId: 'cs', title: '主页被篡改', type: 'defacement', grade: 'general', impact: '主页被篡改', source: 'third_party', detectedAt: new Date(Date.now() - 500).toISOString() }),
    201,
  );
  const id = res.body.id as string;
  await eventually(async () => (await incidentTimeline(id)).includes('report_overdue'), 60000, 'the report to be overdue');
  await ok(as(LIAISON).post(`${INCIDENTS}/${id}/confirm`, { agrees: true }));
  await ok(as(LIAISON).post(`${INCIDENTS}/${id}/report`, { summary: '主页被篡改，已下线' }));
  await ok(as(LIAISON).post(`${INCIDENTS}/${id}/containment`, { measures: '已下线主页' }));
  await ok(as(LIAISON).post(`${INCIDENTS}/${id}/restoration`, { summary: '已恢复主页' }));
  await ok(as(OFFICE).post(`${INCIDENTS}/${id}/restoration/confirm`, { decision: 'confirm' }));
  await ok(as(LIAISON).post(`${INCIDENTS}/${id}/closing-report`, { summary: '已处置', measures: '加固', evidence }));
  await ok(as(OFFICE).post(`${INCIDENTS}/${id}/review`, { decision: 'reject', comment: '措施不全' }));
  await ok(as(LIAISON).post(`${INCIDENTS}/${id}/closing-report`, { summary: '已处置', measures: '加固并复测', evidence }));
  await ok(as(OFFICE).post(`${INCIDENTS}/${id}/review`, { decision: 'accept', comment: '通过' }));
  await save('incident-reported-late-closed', `incident-${id}`, completed);
});

test('incident: an important system down, marked serious → outage alert → threshold trigger (child workflow) → a notice linked → closed by the office', async () => {
  const sys = await ok(as(OFFICE).post('/api/systems', { unitId: 'cs', name: '学院门户网站', host: 'cs.example.edu.cn', important: true, protectionLevel: 3, cii: false }), 201);
  const res = await ok(
    as(LIAISON).post(INCIDENTS, { unitId: 'cs', title: '门户中断', type: 'attack_important', grade: 'major', impact: '门户无法访问', outage: true, systemIds: [sys.body.id as string] }),
    201,
  );
  const id = res.body.id as string;
  await ok(as(OFFICE).post(`${INCIDENTS}/${id}/serious-impact`, { reason: '全校门户无法访问' }));
  await eventually(async () => (await incidentTimeline(id)).includes('trigger_fired'), 60000, 'the outage threshold to fire');
  const notice = await issue(true);
  await ok(as(OFFICE).post(`${INCIDENTS}/${id}/notices`, { noticeId: notice }));
  await ok(as(OFFICE).post(`${INCIDENTS}/${id}/close`, { reason: '已处置完毕' }));
  await save('incident-outage-closed-by-office', `incident-${id}`, completed);
});
