/**
 * Every role plays its part, by clicking, on the whole stack (issue 9's path): each person signs in
 * through a real OpenID provider (oidc-provider, its login and consent pages) in a browser context
 * of their own; the office issues a notice; the liaison acknowledges it and reports with a file; the
 * office sends the report back, then accepts the second one; a second notice goes overdue, the
 * leaders at levels 1 and 2 escalate it, the supervising university leader at level 3 proposes
 * accountability; the office completes the draft and asks for approval; the cybersecurity leader
 * approves; both committees decide; the audit office finds the proposal in the audit trail and
 * exports it; the cybersecurity leader's dashboard shows this run's figures. Screenshots of each screen go to SHOTS.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { startOidcProvider, type TestIdp } from '../support/idp';
import { eventually } from '../support/wait';
import { axe, currentNavLink, launch, newPage, pick, radio, SHOTS, watch } from '../support/browser';

const OFFICE = { id: 'p-chen-jing', name: '陈静' };
const LIAISON = { id: 'p-li-na', name: '李娜' };
const LEVEL1 = { id: 'p-liu-yang', name: '刘洋' };
const LEVEL2 = { id: 'p-zhang-wei', name: '张伟' };
const LEVEL3 = { id: 'p-zhou-wenbin', name: '周文斌' };
const CYBER_LEADER = { id: 'p-zhao-hongyu', name: '赵宏宇' };
const PARTY = { id: 'p-liu-chang', name: '刘畅' };
const DISCIPLINE = { id: 'p-he-yun', name: '何芸' };
const AUDITOR = { id: 'p-ma-xiaodong', name: '马晓东' };
type Person = typeof OFFICE;

const CLIENT_ID = 'cyberduty-web';
const CLIENT_SECRET = 'a-long-client-secret-for-the-roles-test-0123456789';

let s: Stack;
let idp: TestIdp;
let server: http.Server;
let base: string;
let browser: Browser;
const problems: string[] = [];
const pages = new Map<string, Page>();

beforeAll(async () => {
  // The port first: the provider and the app's sign-in both need the app's own address.
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${base}/api/auth/callback`, postLogoutRedirectUri: `${base}/` });
  // Leaders get two minutes per level (people click between the levels; a loaded machine must not
  // let a level time out under them); the second notice's acknowledgement deadline is set per notice.
  s = await startStack({
    policy: fastPolicy({ ack: 'PT1H', rectify: 'PT2H', decide: 'PT2M' }),
    signIn: {
      publicUrl: base,
      embedded: false,
      browser: 'oidc',
      oidc: {
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUri: `${base}/api/auth/callback`,
        scopes: 'openid profile email',
        postLogoutRedirectUri: `${base}/`,
        subjectClaim: 'sub',
        personMatch: 'id',
        algorithms: ['RS256'],
        clockToleranceSec: 30,
      },
    },
  });
  server.on('request', s.app);
  browser = await launch();
}, 180000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await idp?.close();
  await s?.shutdown();
});

/**
 * The person's own browser context, signed in through the provider on first use (the app sends
 * them to /signin, the provider's login and consent pages, and back to where they were going).
 */
async function as(who: Person, path: string): Promise<Page> {
  let page = pages.get(who.id);
  if (page) {
    await page.goto(`${base}${path}`);
    return page;
  }
  page = await newPage(browser);
  const seen = watch(page);
  page.on('close', () => problems.push(...seen.map((p) => `${who.id}: ${p}`)));
  pages.set(who.id, page);
  await page.goto(`${base}${path}`);
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
  expect(await page.getByRole('button', { name: `以 ${who.name} 身份登录` }).count()).toBe(0); // no dev sign-in here
  await page.getByRole('link', { name: '统一身份认证登录' }).click();
  await page.waitForURL((u) => u.origin === idp.issuer && u.pathname.startsWith('/interaction/'));
  await page.fill('input[name="login"]', who.id);
  await page.fill('input[name="password"]', 'any');
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
  await page.click('button[type="submit"]');
  await page.waitForURL(`${base}${path}`);
  await page.getByTestId('me-name').filter({ hasText: who.name }).waitFor();
  return page;
}

async function noticeStatus(page: Page, zh: string): Promise<void> {
  await page.getByTestId('notice-status').filter({ hasText: zh }).waitFor();
}

async function proposalStatus(page: Page, zh: string): Promise<void> {
  await page.getByTestId('proposal-status').filter({ hasText: new RegExp(`^\\s*${zh}\\s*$`) }).waitFor();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/cyberduty-roles-${name}.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
}

async function report(page: Page, summary: string, file: string): Promise<void> {
  await page.getByLabel('整改情况概述').fill(summary);
  await page.getByLabel('已采取的措施').fill('参数化查询；部署WAF规则');
  await page.locator('input[type="file"][name="evidence"]').setInputFiles({ name: file, mimeType: 'text/plain', buffer: Buffer.from(`${summary} / evidence`) });
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await noticeStatus(page, '待审核');
  await page.locator('.evidence').getByText(file).first().waitFor();
}

test('from issue to both committees’ decisions, every role by clicking, signed in through the identity provider', async () => {
  // ---- The office issues a notice through the form.
  let page = await as(OFFICE, '/notices/new');
  await page.getByRole('heading', { name: '下发整改通知' }).waitFor();
  // The issue form has a link of its own, which is the current one (not the list's).
  expect(await currentNavLink(page)).toBe('下发通知');
  await pick(page, '被通知单位', '计算机科学与技术学院');
  await page.getByLabel('标题').fill('门户网站存在SQL注入漏洞（全角色测试）');
  await pick(page, '问题类别', '安全漏洞');
  await pick(page, '风险等级', '高危');
  await page.getByLabel('问题描述与整改要求').fill('news.php 参数未过滤，请立即整改。');
  await page.getByRole('button', { name: '预览期限', exact: true }).click();
  await page.getByTestId('preview').getByText(/^按策略/).first().waitFor();
  await shot(page, 'issue');
  await page.getByRole('button', { name: '下发', exact: true }).click();
  await page.waitForURL(/\/notices\/T[^/]+$/);
  const first = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  await noticeStatus(page, '待签收');
  // A notice's page marks the notices list as current.
  expect(await currentNavLink(page)).toBe('通知');

  // ---- The liaison acknowledges and reports with a file.
  page = await as(LIAISON, `/notices/${first}`);
  await noticeStatus(page, '待签收');
  await page.getByRole('button', { name: '签收', exact: true }).click();
  await noticeStatus(page, '整改中');
  await report(page, '已修复 news.php 的注入点', '复测报告.txt');
  await shot(page, 'reported');

  // ---- The office sends it back with a reason, then accepts the second report.
  page = await as(OFFICE, `/notices/${first}`);
  await noticeStatus(page, '待审核');
  await radio(page, '退回整改');
  await page.getByLabel('审核意见说明').fill('复测报告缺少扫描截图，请补充');
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await noticeStatus(page, '整改中');

  page = await as(LIAISON, `/notices/${first}`);
  await noticeStatus(page, '整改中');
  await page.getByText('复测报告缺少扫描截图，请补充').first().waitFor();
  await report(page, '已补充扫描截图，复测通过', '扫描截图.txt');

  page = await as(OFFICE, `/notices/${first}`);
  await noticeStatus(page, '待审核');
  await radio(page, '通过（办结）');
  await page.getByLabel('审核意见说明').fill('整改到位');
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await noticeStatus(page, '已办结');
  const types = await page.getByTestId('timeline').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
  expect(types).toEqual(['issued', 'acknowledged', 'rectification_submitted', 'review_rejected', 'rectification_submitted', 'review_accepted']);
  await shot(page, 'closed');

  // ---- A second notice goes overdue (issued through the API with an acknowledgement deadline
  // seconds away: the form's dates are whole days) and escalates to level 1.
  const issued = await s.as(OFFICE.id).post('/api/notices', {
    unitId: 'cs',
    title: '邮件系统弱口令（全角色测试）',
    category: 'vulnerability',
    severity: 'high',
    description: '多个账户使用弱口令。',
    acknowledgeBy: new Date(Date.now() + 3000).toISOString(),
  });
  expect(issued.status).toBe(201);
  const second = issued.body.id as string;
  const escalationId = await eventually(async () => {
    const r = await s.as(OFFICE.id).get(`/api/escalations?noticeId=${second}`);
    const e = r.body.items[0] as { id: string; level: number; status: string } | undefined;
    return e && e.level === 1 && e.status === 'awaiting_decision' ? e.id : undefined;
  }, 60000, 'the escalation to reach level 1');

  // ---- Level 1 finds it in My work and escalates; level 2 escalates.
  page = await as(LEVEL1, '/');
  const item = page.getByTestId('work').locator('li[data-kind="escalation"]').filter({ hasText: '邮件系统弱口令（全角色测试）' });
  await item.first().waitFor();
  await shot(page, 'mywork-leader');
  await item.first().getByRole('link').click();
  await page.waitForURL(`${base}/escalations/${escalationId}`);
  await decide(page, '上报', '请单位党组织书记督办');
  await waitLevel(escalationId, 2);

  page = await as(LEVEL2, `/escalations/${escalationId}`);
  await decide(page, '上报', '请分管校领导督办');
  await waitLevel(escalationId, 3);

  // ---- Level 3, the supervising university leader, proposes accountability.
  page = await as(LEVEL3, `/escalations/${escalationId}`);
  await page.getByTestId('chain').locator('li[aria-current="step"]').filter({ hasText: LEVEL3.name }).waitFor();
  await shot(page, 'escalation');
  await decide(page, '提出问责', '多次督办仍未签收整改');
  await page.getByTestId('esc-status').filter({ hasText: '已结束' }).waitFor();
  const escalation = (await s.as(OFFICE.id).get(`/api/escalations/${escalationId}`)).body;
  expect(escalation.endReason).toBe('accountability_proposed');
  const proposalId = escalation.state.proposalId as string;
  expect(proposalId).toBeTruthy();
  const proposalPath = `/accountability-proposals/${proposalId}`;

  // ---- The office opens the draft from the escalation page, recommends a measure and asks for approval.
  page = await as(OFFICE, `/escalations/${escalationId}`);
  await page.getByRole('link', { name: proposalId }).click();
  await page.waitForURL(`${base}${proposalPath}`);
  await proposalStatus(page, '草稿');
  await page.getByTestId('links').getByRole('link', { name: second, exact: true }).waitFor();
  await page.getByRole('button', { name: '建议问责方式', exact: true }).click();
  await page.locator('label.el-checkbox').filter({ hasText: /^\s*检查\s*$/ }).click();
  await page.getByLabel('检查的理由', { exact: true }).fill('学院对逾期督办长期未研究部署');
  await page.getByRole('button', { name: '保存问责方式', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '已保存。' }).waitFor();
  await shot(page, 'proposal-draft');
  await page.getByRole('button', { name: '报请主管校领导审批', exact: true }).click();
  await proposalStatus(page, '待审批');

  // ---- The cybersecurity leader approves it.
  page = await as(CYBER_LEADER, proposalPath);
  await proposalStatus(page, '待审批');
  await page.getByLabel('审批意见（选填）', { exact: true }).fill('同意提交');
  await shot(page, 'proposal-approve');
  await page.getByRole('button', { name: '审批同意并提交党委和纪委', exact: true }).click();
  await proposalStatus(page, '已提交党委和纪委');

  // ---- Both committees decide, each through its own form.
  page = await as(PARTY, proposalPath);
  const partyForm = page.getByRole('form', { name: '学校党委作出决定' });
  await partyForm.waitFor();
  await radio(page, '采纳');
  await shot(page, 'proposal-party');
  await partyForm.getByRole('button', { name: '提交决定' }).click();
  await page.getByRole('status').filter({ hasText: '已录入学校党委的决定。' }).waitFor();

  page = await as(DISCIPLINE, proposalPath);
  const disciplineForm = page.getByRole('form', { name: '纪委作出决定' });
  await disciplineForm.waitFor();
  await radio(page, '采纳');
  await disciplineForm.getByRole('button', { name: '提交决定' }).click();
  await proposalStatus(page, '已办结');
  await shot(page, 'proposal-closed');
  const proposal = (await s.as(OFFICE.id).get(`/api/accountability-proposals/${proposalId}`)).body;
  expect(proposal.status).toBe('closed');
  expect(proposal.decisions.party_committee).toMatchObject({ by: PARTY.id, decision: 'accepted' });
  expect(proposal.decisions.discipline_committee).toMatchObject({ by: DISCIPLINE.id, decision: 'accepted' });

  // ---- The audit office finds the proposal in the audit trail and exports it.
  page = await as(AUDITOR, '/audit');
  await page.getByTestId('audit-verify').getByText(/^哈希链完整：共 \d+ 条，未发现篡改。$/).waitFor();
  await page.getByLabel('对象编号', { exact: true }).fill(proposalId);
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(new RegExp(`targetId=${proposalId}`));
  const rows = page.getByTestId('audit-table').locator('tbody tr');
  const api = (await s.as(AUDITOR.id).get(`/api/audit?targetId=${proposalId}&pageSize=100`)).body as { total: number; items: Array<{ action: string }> };
  expect(api.total).toBeGreaterThanOrEqual(5);
  await eventually(async () => (await rows.count()) === Math.min(api.total, 50), 10000, 'the filtered rows');
  for (const text of await rows.allInnerTexts()) expect(text).toContain(proposalId);
  await shot(page, 'audit');
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出审计日志' }).click()]);
  const lines = fs.readFileSync(await file.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { targetId: string; action: string; actorId: string });
  const exported = lines.filter((e) => e.targetId === proposalId);
  expect(exported.map((e) => e.action).sort()).toEqual(api.items.map((e) => e.action).sort());
  // Every decision of the path is in it, by the person who took it.
  expect(exported.map((e) => e.actorId)).toEqual(expect.arrayContaining([OFFICE.id, CYBER_LEADER.id, PARTY.id, DISCIPLINE.id]));

  // ---- The cybersecurity leader's dashboard shows this run: the second notice still open (high,
  // cs), one acknowledgement missed this week, no escalation under way (it ended in the
  // proposal), the first notice closed this month and on time.
  page = await as(CYBER_LEADER, '/');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '态势总览' }).click();
  await page.getByRole('heading', { name: '态势总览', level: 1 }).waitFor();
  await page.getByTestId('fig-closed').locator('tbody tr').first().waitFor();
  expect(await table(page, 'fig-open')).toEqual([
    ['单位', '紧急', '高危', '中危', '低危', '合计'],
    ['计算机科学与技术学院', '0', '1', '0', '0', '1'],
    ['合计', '0', '1', '0', '0', '1'],
  ]);
  expect((await table(page, 'fig-overdue')).at(-1)!.slice(1)).toEqual(['1', '0', '1']);
  expect((await table(page, 'fig-escalations')).at(-1)).toEqual(['合计', '0']);
  expect((await table(page, 'fig-ontime')).slice(1)).toEqual([
    ['计算机科学与技术学院', '1', '1', '100.0%'],
    ['合计', '1', '1', '100.0%'],
  ]);
  expect((await table(page, 'fig-closed')).at(-1)![1]).toBe('1');
  await shot(page, 'dashboard');

  for (const p of pages.values()) await p.close();
  expect(problems).toEqual([]);
}, 600000);

/** The rows of a dashboard figure's table (header first), as the cells' text. */
async function table(page: Page, figure: string): Promise<string[][]> {
  return page.evaluate<string[][]>(`(() => {
    const t = document.querySelector('[data-testid="${figure}"] table');
    return t ? [...t.rows].map((r) => [...r.cells].map((c) => (c.textContent || '').trim())) : [];
  })()`);
}

async function decide(page: Page, decision: string, comment: string): Promise<void> {
  await page.getByRole('form', { name: '作出决定' }).waitFor();
  await radio(page, decision);
  await page.getByLabel('意见（延期时必填）').fill(comment);
  await page.getByRole('button', { name: '提交', exact: true }).click();
}

async function waitLevel(escalationId: string, level: number): Promise<void> {
  await eventually(async () => {
    const e = (await s.as(OFFICE.id).get(`/api/escalations/${escalationId}`)).body as { level: number; status: string; state: { steps: Array<{ level: number; outcome: string }> } };
    // Reached by the decision, not by the level below timing out.
    return e.level === level && e.status === 'awaiting_decision' && e.state.steps.some((x) => x.level === level - 1 && x.outcome === 'decided');
  }, 30000, `level ${level}`);
}
