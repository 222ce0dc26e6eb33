/**
 * The notice lifecycle end to end: HTTP → express → Temporal update → workflow → record activity →
 * database → HTTP, with a real worker and a real Temporal dev server.
 */
import request from 'supertest';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const CS_LIAISON = 'p-li-na';
const CS_DIRECT = 'p-liu-yang';
const CS_MEMBER = 'p-liu-wei';
const ITO_LIAISON = 'p-wu-lei';
const INSPECTOR = 'p-guo-fang';
const CS_SUPERVISOR = 'p-zhou-wenbin';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.shutdown();
});

const noticeBody = (over: object = {}) => ({
  unitId: 'cs',
  title: '门户网站存在 SQL 注入漏洞',
  category: 'vulnerability',
  severity: 'high',
  description: '经检测，学院门户网站 news.php 存在 SQL 注入漏洞，请立即整改。',
  assets: ['https://cs.example.edu.cn'],
  ...over,
});

const evidence = (text: string) => ({
  name: '修复截图.txt',
  mediaType: 'text/plain',
  contentBase64: Buffer.from(text).toString('base64'),
});

async function issue(over: object = {}) {
  const res = await s.as(OFFICE).post('/api/notices', noticeBody(over));
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string };
}

test('issue → acknowledge → report → send back → report again → accept, all in the timeline', async () => {
  const created = await issue();
  expect(created.status).toBe('issued');
  expect(created.id).toMatch(/^([A-Z][A-Z0-9]*-)?\d{4}-\d{4}$/);

  // The unit's liaison finds it in the inbox, in Chinese, with a link.
  // (The message is sent right after the issue is recorded, so it may land a moment after the 201.)
  const msg = await eventually(async () => {
    const inbox = await s.as(CS_LIAISON).get('/api/me/inbox');
    expect(inbox.status).toBe(200);
    return inbox.body.items.find((m: { noticeId: string }) => m.noticeId === created.id);
  }, 20000, 'the new-notice message');
  expect(msg.subject).toContain('整改通知');
  expect(msg.body).toContain('请于');
  expect(msg.link).toBe(`http://cyberduty.test/notices/${created.id}`);

  let res = await s.as(CS_LIAISON).post(`/api/notices/${created.id}/acknowledge`);
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('rectifying');
  expect(res.body.acknowledgedBy).toBe(CS_LIAISON);

  res = await s.as(CS_LIAISON).post(`/api/notices/${created.id}/rectification`, {
    summary: '已修复 news.php 的注入点',
    measures: '参数化查询；上线 WAF 规则',
    evidence: [evidence('before/after scan')],
  });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('under_review');
  const item = res.body.rectifications[0].evidence[0];
  expect(item).toMatchObject({ name: '修复截图.txt', size: 17, mediaType: 'text/plain' });
  expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);

  // The office can download the evidence; the bytes are what was sent.
  const file = await s.as(OFFICE).get(`/api/notices/${created.id}/evidence/${item.sha256}`);
  expect(file.status).toBe(200);
  expect(file.text).toBe('before/after scan');

  res = await s.as(OFFICE).post(`/api/notices/${created.id}/review`, { decision: 'reject', comment: '缺少复测报告' });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('rectifying');
  expect(res.body.rectifications[0].review).toMatchObject({ decision: 'reject', comment: '缺少复测报告', by: OFFICE });

  res = await s.as(CS_DIRECT).post(`/api/notices/${created.id}/rectification`, {
    summary: '补充复测报告',
    measures: '第三方复测通过',
    evidence: [evidence('retest report')],
  });
  expect(res.body.status).toBe('under_review');
  expect(res.body.rectifications).toHaveLength(2);

  res = await s.as(OFFICE).post(`/api/notices/${created.id}/review`, { decision: 'accept', comment: '整改到位' });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('closed');
  expect(res.body.closedAt).toBeTruthy();

  const detail = await s.as(CS_LIAISON).get(`/api/notices/${created.id}`);
  expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual([
    'issued',
    'acknowledged',
    'rectification_submitted',
    'review_rejected',
    'rectification_submitted',
    'review_accepted',
  ]);
  expect(detail.body.timeline[1].actorName).toBe('李娜');

  // Closed means closed.
  res = await s.as(CS_LIAISON).post(`/api/notices/${created.id}/extension-requests`, {
    until: new Date(Date.now() + 86400000 * 30).toISOString(),
    reason: '需要更多时间',
  });
  expect(res.status).toBe(409);
  expect(res.body.error).toContain('已办结');

  // The Temporal workflow completed with the same state.
  const result = await s.client.workflow.getHandle(`notice-${created.id}`).result();
  expect(result.status).toBe('closed');
});

test('every deadline says how it was computed', async () => {
  const n = await issue({ severity: 'critical' });
  const res = await s.as(OFFICE).get(`/api/notices/${n.id}`);
  expect(res.body.acknowledgeBy.explanation.basis).toBe('policy');
  expect(res.body.acknowledgeBy.explanation.within).toBe('PT1H');
  expect(res.body.acknowledgeBy.explanation.zh).toMatch(/截止/);
  expect(Date.parse(res.body.acknowledgeBy.at) - Date.parse(res.body.issuedAt)).toBe(3600000);

  const at = new Date(Date.now() + 5 * 86400000).toISOString();
  const explicit = await issue({ rectifyBy: at });
  const r2 = await s.as(OFFICE).get(`/api/notices/${explicit.id}`);
  expect(r2.body.rectifyBy.at).toBe(at);
  expect(r2.body.rectifyBy.explanation.basis).toBe('explicit');
});

test('extension requested and approved moves the deadline; a second one denied leaves it', async () => {
  const n = await issue();
  await s.as(CS_LIAISON).post(`/api/notices/${n.id}/acknowledge`);
  const until = new Date(Date.now() + 10 * 86400000).toISOString();
  let res = await s.as(CS_LIAISON).post(`/api/notices/${n.id}/extension-requests`, { until, reason: '需采购安全设备' });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ id: 'x1', status: 'pending', until });

  // Only one pending at a time.
  res = await s.as(CS_LIAISON).post(`/api/notices/${n.id}/extension-requests`, { until, reason: '再次申请' });
  expect(res.status).toBe(409);

  res = await s.as(OFFICE).post(`/api/notices/${n.id}/extension-requests/x1/decision`, { decision: 'approve', comment: '同意' });
  expect(res.status).toBe(200);
  expect(res.body.rectifyBy.at).toBe(until);
  expect(res.body.rectifyBy.explanation.basis).toBe('extension');

  const later = new Date(Date.now() + 20 * 86400000).toISOString();
  res = await s.as(CS_LIAISON).post(`/api/notices/${n.id}/extension-requests`, { until: later, reason: '仍需时间' });
  expect(res.body.id).toBe('x2');
  res = await s.as(OFFICE).post(`/api/notices/${n.id}/extension-requests/x2/decision`, { decision: 'deny' });
  expect(res.status).toBe(422);
  expect(res.body.error).toContain('理由');
  res = await s.as(OFFICE).post(`/api/notices/${n.id}/extension-requests/x2/decision`, { decision: 'deny', comment: '期限已足够' });
  expect(res.status).toBe(200);
  expect(res.body.rectifyBy.at).toBe(until);
  expect(res.body.extensions.map((e: { status: string }) => e.status)).toEqual(['approved', 'denied']);

  const unitInbox = await s.as(CS_LIAISON).get('/api/me/inbox');
  expect(unitInbox.body.items.some((m: { subject: string }) => m.subject.includes('延期申请未获批准'))).toBe(true);
});

test('the office withdraws a notice; nothing more can be done on it', async () => {
  const n = await issue();
  let res = await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, {});
  expect(res.status).toBe(400);
  res = await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, { reason: '误发' });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('withdrawn');
  expect(res.body.withdrawal).toMatchObject({ by: OFFICE, reason: '误发' });
  res = await s.as(CS_LIAISON).post(`/api/notices/${n.id}/acknowledge`);
  expect(res.status).toBe(409);
});

test('wrong people and wrong order get clear 4xx answers', async () => {
  const n = await issue();
  const url = `/api/notices/${n.id}`;

  expect((await s.as(CS_LIAISON).post('/api/notices', noticeBody())).status).toBe(403);
  expect((await s.as(ITO_LIAISON).get(url)).status).toBe(404); // another unit: not even its existence
  expect((await s.as(ITO_LIAISON).post(`${url}/acknowledge`)).status).toBe(404);
  expect((await s.as(CS_MEMBER).get(url)).status).toBe(200); // leadership members read
  expect((await s.as(CS_MEMBER).post(`${url}/acknowledge`)).status).toBe(403);
  expect((await s.as(OFFICE).post(`${url}/acknowledge`)).status).toBe(403);
  expect((await s.as(INSPECTOR).get(url)).status).toBe(200);
  expect((await s.as(INSPECTOR).post(`${url}/withdraw`, { reason: 'x' })).status).toBe(403);
  expect((await s.as(CS_SUPERVISOR).get(url)).status).toBe(200);
  expect((await s.as('nobody-here').get(url)).status).toBe(401);

  const review = await s.as(OFFICE).post(`${url}/review`, { decision: 'accept' });
  expect(review.status).toBe(409);
  expect(review.body.error).toContain('待签收');

  const early = await s.as(CS_LIAISON).post(`${url}/rectification`, { summary: 'a', measures: 'b', evidence: [evidence('x')] });
  expect(early.status).toBe(409);
  expect(early.body.error).toContain('请先签收');

  const bad = await s.as(OFFICE).post('/api/notices', { ...noticeBody(), severity: 'apocalyptic', extra: 1 });
  expect(bad.status).toBe(400);
  expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['severity']));

  const noUnit = await s.as(OFFICE).post('/api/notices', noticeBody({ unitId: 'nope' }));
  expect(noUnit.status).toBe(422);

  const past = await s.as(OFFICE).post('/api/notices', noticeBody({ rectifyBy: '2020-01-01T00:00:00Z' }));
  expect(past.status).toBe(422);

  const noAuth = await request(s.app).get('/api/notices');
  expect(noAuth.status).toBe(401);
  expect(noAuth.body.error).toContain('请先登录');

  const badJson = await request(s.app)
    .post('/api/notices')
    .set('Authorization', `Bearer ${await s.tokens.sign(OFFICE)}`)
    .set('Content-Type', 'application/json')
    .send('{"unitId":');
  expect(badJson.status).toBe(400);

  expect((await s.as(CS_LIAISON).post(`${url}/acknowledge`)).status).toBe(200);
  const tooLarge = await s.as(CS_LIAISON).post(`${url}/rectification`, {
    summary: 'a',
    measures: 'b',
    evidence: [{ name: 'big.bin', contentBase64: Buffer.alloc(65 * 1024).toString('base64') }],
  });
  expect(tooLarge.status).toBe(413);
  expect((await s.as(OFFICE).get(url)).body.status).toBe('rectifying');
});

test('lists show only what a person may see, with filters and paging', async () => {
  const cs = await issue({ title: '列表测试 cs' });
  const ito = await s.as(OFFICE).post('/api/notices', noticeBody({ unitId: 'ito', title: '列表测试 ito', severity: 'low' }));
  expect(ito.status).toBe(201);

  const office = await s.as(OFFICE).get('/api/notices?pageSize=100');
  const ids = office.body.items.map((n: { id: string }) => n.id);
  expect(ids).toEqual(expect.arrayContaining([cs.id, ito.body.id]));

  const itoView = await s.as(ITO_LIAISON).get('/api/notices?pageSize=100');
  expect(itoView.body.items.length).toBeGreaterThan(0);
  expect(itoView.body.items.every((n: { unitId: string }) => n.unitId === 'ito')).toBe(true);
  expect(itoView.body.total).toBe(itoView.body.items.length);

  const low = await s.as(OFFICE).get('/api/notices?severity=low');
  expect(low.body.items.length).toBeGreaterThan(0);
  expect(low.body.items.every((n: { severity: string }) => n.severity === 'low')).toBe(true);

  const paged = await s.as(OFFICE).get('/api/notices?pageSize=1&page=2');
  expect(paged.body.items).toHaveLength(1);
  expect(paged.body.total).toBeGreaterThanOrEqual(2);

  expect((await s.as(OFFICE).get('/api/notices?status=bogus')).status).toBe(400);
  expect((await s.as(OFFICE).get('/api/notices?pageSize=1000')).status).toBe(400);
});

test('a repeated create with the same Idempotency-Key returns the same notice', async () => {
  const body = noticeBody({ title: '幂等测试' });
  const token = `Bearer ${await s.tokens.sign(OFFICE)}`;
  const post = () => request(s.app).post('/api/notices').set('Authorization', token).set('Idempotency-Key', 'create-abc-123');
  const a = await post().send(body);
  const b = await post().send(body);
  expect(a.status).toBe(201);
  expect(b.status).toBe(200);
  expect(b.body.id).toBe(a.body.id);
  const c = await post().send({ ...body, title: '另一份' });
  expect(c.status).toBe(409);
});
