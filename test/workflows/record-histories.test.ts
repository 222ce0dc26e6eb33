/**
 * Records the histories that replay.test.ts replays (run with RECORD_HISTORIES=1, on the workflow
 * code whose histories must keep replaying). Skipped otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const CS = { liaison: 'p-li-na', direct: 'p-liu-yang', first: 'p-zhang-wei', supervisor: 'p-zhou-wenbin' };
const DIR = path.join(__dirname, 'histories');
const run = process.env.RECORD_HISTORIES === '1' ? test : test.skip;

let s: Stack;
beforeAll(async () => {
  if (process.env.RECORD_HISTORIES === '1') {
    s = await startStack({ policy: fastPolicy({ ack: 'PT1H', rectify: 'PT2H', decide: 'PT1H', maxSupervise: 'PT1M' }) });
  }
});
afterAll(async () => {
  await s?.shutdown();
});

async function issue(over: object = {}): Promise<string> {
  const res = await s.as(OFFICE).post('/api/notices', { unitId: 'cs', title: '回放记录', category: 'vulnerability', severity: 'high', description: 'x', ...over });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function ok(p: Promise<{ status: number; body: unknown }>) {
  const r = await p;
  if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
  return r;
}
async function save(name: string, id: string, done: (t: Array<{ type: string }>) => boolean) {
  await eventually(async () => done((await s.as(OFFICE).get(`/api/notices/${id}`)).body.timeline), 60000, `${name} recorded`);
  const history = await s.client.workflow.getHandle(`notice-${id}`).fetchHistory();
  fs.writeFileSync(path.join(DIR, `${name}.json`), JSON.stringify(history));
}
async function escalationAt(id: string, level: number) {
  return eventually(async () => {
    const list = await s.as(OFFICE).get(`/api/escalations?noticeId=${id}`);
    const e = list.body.items?.[0] as { id: string; level: number; status: string } | undefined;
    return e && e.level === level && e.status === 'awaiting_decision' ? e : undefined;
  }, 60000, `level ${level}`);
}
const report = { summary: '已修复', measures: '打补丁', evidence: [{ name: 'a.txt', contentBase64: Buffer.from('a').toString('base64') }] };

run('lifecycle: acknowledge, report, send back with a new date, extension, report, accept', async () => {
  const id = await issue();
  await ok(s.as(CS.liaison).post(`/api/notices/${id}/acknowledge`));
  await ok(s.as(CS.liaison).post(`/api/notices/${id}/rectification`, report));
  await ok(s.as(OFFICE).post(`/api/notices/${id}/review`, { decision: 'reject', comment: '不全', rectifyBy: new Date(Date.now() + 3 * 3600000).toISOString() }));
  const ext = await ok(s.as(CS.liaison).post(`/api/notices/${id}/extension-requests`, { until: new Date(Date.now() + 5 * 3600000).toISOString(), reason: '等设备' }));
  const rid = (ext.body as { id: string }).id;
  await ok(s.as(OFFICE).post(`/api/notices/${id}/extension-requests/${rid}/decision`, { decision: 'approve' }));
  await ok(s.as(CS.liaison).post(`/api/notices/${id}/rectification`, report));
  await ok(s.as(OFFICE).post(`/api/notices/${id}/review`, { decision: 'accept', comment: '通过' }));
  await save('lifecycle', id, (t) => t.some((e) => e.type === 'review_accepted'));
});

run('withdrawn', async () => {
  const id = await issue();
  await ok(s.as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '误发' }));
  await save('withdrawn', id, (t) => t.some((e) => e.type === 'withdrawn'));
});

run('escalation: overdue, escalate, supervise, acknowledged late, then a second notice up to a proposal', async () => {
  const id = await issue({ acknowledgeBy: new Date(Date.now() + 3000).toISOString() });
  let e = await escalationAt(id, 1);
  await ok(s.as(CS.direct).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate', comment: '上报' }));
  e = await escalationAt(id, 2);
  await ok(s.as(CS.first).post(`/api/escalations/${e.id}/decision`, { decision: 'supervise', until: new Date(Date.now() + 30000).toISOString(), comment: '督办' }));
  await ok(s.as(CS.liaison).post(`/api/notices/${id}/acknowledge`));
  await ok(s.as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '结束' }));
  await save('escalation-supervise', id, (t) => t.some((x) => x.type === 'withdrawn'));

  const id2 = await issue({ acknowledgeBy: new Date(Date.now() + 3000).toISOString() });
  e = await escalationAt(id2, 1);
  await ok(s.as(CS.direct).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' }));
  e = await escalationAt(id2, 2);
  await ok(s.as(CS.first).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' }));
  e = await escalationAt(id2, 3);
  await ok(s.as(CS.supervisor).post(`/api/escalations/${e.id}/decision`, { decision: 'propose_accountability', comment: '问责' }));
  await ok(s.as(OFFICE).post(`/api/notices/${id2}/withdraw`, { reason: '结束' }));
  await save('escalation-proposal', id2, (t) => t.some((x) => x.type === 'withdrawn'));
});
