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
  // before: every timer kind fires within seconds.
  s = await startStack({
    policy: fastPolicy({ ack: 'PT4S', ackReminders: ['PT2S'], rectify: 'PT1H', rectifyReminders: ['PT30M'], decide: 'PT4S', decideReminders: ['PT2S'], maxSupervise: 'PT1M' }),
  });
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
