/**
 * The web UI in a real browser: Debian's Chromium driven by playwright-core, against the whole stack
 * (express app on a loopback port, real worker, real Temporal dev server, real database). A notice
 * goes from issue to close through the forms, as the office and the unit's liaison would do it;
 * a leader decides an escalation. Screenshots are written to /tmp for people to look at.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';
import { axe, beijingDate, newPage, fillDate, horizontalOverflow, launch, pick, radio, serve, SHOTS, signIn, signOut, watch } from '../support/browser';

const OFFICE = 'p-chen-jing';
const CS_LIAISON = 'p-li-na';
const CS_DIRECT = 'p-liu-yang';

let s: Stack;
let web: Awaited<ReturnType<typeof serve>>;
let base: string;
let browser: Browser;

beforeAll(async () => {
  // A leader extends a notice by ten days in the escalation test: the policy lets leaders extend
  // that far (escalation.maxExtend; by default only the second-scale rectification window).
  s = await startStack({ policy: fastPolicy({ maxExtend: 'P30D' }) });
  web = await serve(s);
  base = web.base;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.shutdown();
});

async function waitForStatus(page: import('playwright-core').Page, zh: string): Promise<void> {
  await page.getByTestId('notice-status').filter({ hasText: zh }).waitFor();
}

test('a notice from issue to close through the web UI, with a deep link from a message', async () => {
  const page = await newPage(browser);
  const problems = watch(page);

  // Sign-in comes first; a bad token is refused with the API's message (servers without session sign-in).
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
  const tokenBox = page.getByLabel('身份令牌（Bearer token）');
  if (await tokenBox.count()) {
    await tokenBox.fill('not-a-token');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '身份令牌无效' }).waitFor();
  }
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-signin.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);

  // The office issues a notice through the form, with an explicit rectification date, and sees
  // the deadlines and their explanations before sending.
  await signIn(page, s, OFFICE, '陈静');
  await page.waitForURL(`${base}/`);
  await page.getByRole('link', { name: '下发通知' }).first().click();
  await page.getByRole('heading', { name: '下发整改通知' }).waitFor();
  await pick(page, '被通知单位', '计算机科学与技术学院');
  await page.getByLabel('标题').fill('门户网站存在SQL注入漏洞（界面测试）');
  await pick(page, '问题类别', '安全漏洞');
  await pick(page, '风险等级', '高危');
  await page.getByLabel('问题描述与整改要求').fill('news.php 参数未过滤，请立即整改。');
  await page.getByLabel('涉及资产（每行一项，选填）').fill('https://cs.example.edu.cn');
  const rectifyDate = beijingDate(7);
  await fillDate(page, 'rectifyByDate', rectifyDate);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-issue.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await page.getByRole('button', { name: '预览期限', exact: true }).click();
  const preview = page.getByTestId('preview');
  await preview.getByText(`${rectifyDate} 24:00`, { exact: true }).waitFor();
  await preview.getByText('由领导小组办公室指定整改期限', { exact: false }).waitFor();
  // The acknowledgement deadline comes from the policy, with its sentence.
  await preview.getByText(/^按策略/).first().waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-issue-preview.png`, fullPage: true });
  await page.getByRole('button', { name: '下发', exact: true }).click();
  await page.waitForURL(/\/notices\/T[^/]+$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  expect(id).toMatch(/^T[0-9A-F]+-\d{4}-\d{4}$/);
  await waitForStatus(page, '待签收');
  // A date alone is the end of that day, written 24:00 as official notices do.
  await page.getByText(`${rectifyDate} 24:00`, { exact: true }).first().waitFor();
  await page.getByText('由领导小组办公室指定整改期限', { exact: false }).first().waitFor();

  // The liaison opens the link from the message (signing in first), finds it in My work too.
  await signOut(page);
  await page.goto(`${base}/notices/${id}`);
  await signIn(page, s, CS_LIAISON, '李娜');
  await page.waitForURL(`${base}/notices/${id}`);
  await waitForStatus(page, '待签收');

  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '我的待办' }).click();
  const work = page.getByTestId('work').locator('li').filter({ hasText: id });
  await work.filter({ hasText: '签收' }).waitFor();
  expect(await work.getByTestId('time-left').innerText()).toMatch(/^还剩 /);
  const message = page.locator('li.message').filter({ hasText: id });
  await message.first().waitFor();
  expect(await message.first().locator('.unread-dot').count()).toBe(1);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-mywork.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await message.first().getByRole('link', { name: `查看通知 ${id}` }).click();
  await page.waitForURL(`${base}/notices/${id}`);
  await waitForStatus(page, '待签收');
  await eventually(async () => {
    const inbox = await s.as(CS_LIAISON).get('/api/me/inbox');
    return inbox.body.items.find((m: { noticeId: string; readAt: string | null }) => m.noticeId === id && m.readAt);
  }, 10000, 'the message to be marked read');

  // 签收, then a rectification report with a small file.
  await page.getByRole('button', { name: '签收', exact: true }).click();
  await waitForStatus(page, '整改中');
  await page.getByRole('status').filter({ hasText: '已提交' }).waitFor();
  await page.getByLabel('整改情况概述').fill('已修复 news.php 的注入点');
  await page.getByLabel('已采取的措施').fill('参数化查询；部署WAF规则');
  await page.locator('input[type="file"][name="evidence"]').setInputFiles({
    name: '复测报告.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('复测通过 / retest passed'),
  });
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-rectify.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await waitForStatus(page, '待审核');
  await page.locator('.evidence').getByText('复测报告.txt').waitFor();
  // No review form for the unit.
  expect(await page.getByRole('radio', { name: '通过（办结）' }).count()).toBe(0);

  // The office accepts it.
  await signOut(page);
  await page.goto(`${base}/notices/${id}`);
  await signIn(page, s, OFFICE, '陈静');
  await waitForStatus(page, '待审核');
  await radio(page, '通过（办结）');
  await page.getByLabel('审核意见说明').fill('整改到位');
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-review.png`, fullPage: true });
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await waitForStatus(page, '已办结');
  await page.getByText('当前状态下您无需办理。').waitFor();

  // The timeline shows every step, in Chinese, with who did it.
  const timeline = page.getByTestId('timeline');
  const types = await timeline.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
  expect(types).toEqual(['issued', 'acknowledged', 'rectification_submitted', 'review_accepted']);
  const text = await timeline.innerText();
  for (const words of ['下发通知', '签收', '提交整改报告', '审核通过，办结', '陈静', '李娜', '整改到位']) expect(text).toContain(words);

  // The office downloads the evidence: the bytes are those uploaded.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '下载 复测报告.txt' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('复测报告.txt');
  expect(fs.readFileSync(await download.path()).toString()).toBe('复测通过 / retest passed');

  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-notice.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);

  // The list shows it closed; filters and the search work and live in the address.
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '通知', exact: true }).click();
  await pick(page, '状态', '已办结');
  await page.getByLabel('搜索标题和描述').fill('注入');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/status=closed/);
  expect(page.url()).toContain(`q=${encodeURIComponent('注入')}`);
  const row = page.locator('.data tbody tr').filter({ hasText: id });
  await row.filter({ hasText: '已办结' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-list.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await page.getByLabel('搜索标题和描述').fill('没有这样的通知');
  await page.getByRole('button', { name: '查询' }).click();
  await page.locator('.data').getByText('暂无记录').waitFor();
  await page.goBack();
  await row.filter({ hasText: '已办结' }).waitFor();

  // English is one click away, and remembered.
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Notices', level: 1 }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  await row.filter({ hasText: 'closed' }).waitFor();
  await row.getByRole('link', { name: id }).click();
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-notice-en.png`, fullPage: true });
  await page.goBack();
  await page.getByRole('heading', { name: 'Notices', level: 1 }).waitFor();
  await page.getByRole('button', { name: '切换到中文' }).click();
  await page.getByRole('heading', { name: '通知', level: 1 }).waitFor();

  // Phone width: the same notice, and My work, laid out in one column.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/notices/${id}`);
  await waitForStatus(page, '已办结');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-phone.png`, fullPage: true });
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: '我的待办', level: 1 }).waitFor();
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

  // An expired token sends the person back to sign-in with a message (token sign-in only).
  if (await page.evaluate<boolean>(`sessionStorage.getItem('cyberduty.token') !== null`)) {
    const expired = await s.tokens.sign(OFFICE, '-120s');
    await page.evaluate(`sessionStorage.setItem('cyberduty.token', ${JSON.stringify(expired)})`);
    await page.reload();
    await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
    await page.getByRole('alert').filter({ hasText: '登录已失效，请重新登录。' }).waitFor();
  }

  expect(problems).toEqual([]);
  await page.close();
});

test('a leader sees the escalation waiting for them, with the chain, and decides it', async () => {
  // Issued through the API with an acknowledgement deadline seconds away: it goes overdue and
  // escalates to level 1 (the unit's leader in charge of cybersecurity).
  const issued = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title: '邮件系统弱口令（督办测试）',
    category: 'vulnerability',
    severity: 'medium',
    description: '多个账户使用弱口令。',
    acknowledgeBy: new Date(Date.now() + 3000).toISOString(),
  });
  expect(issued.status).toBe(201);
  const noticeId = issued.body.id as string;
  const esc = await eventually(async () => {
    const r = await s.as(CS_DIRECT).get('/api/escalations?assignee=me&status=active');
    return r.body.items.find((e: { noticeId: string }) => e.noticeId === noticeId) as { id: string } | undefined;
  }, 60000, 'the escalation to reach level 1');

  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/escalations`);
  await signIn(page, s, CS_DIRECT, '刘洋');
  await page.waitForURL(`${base}/escalations`);
  const row = page.locator('.data tbody tr').filter({ hasText: noticeId });
  await row.filter({ hasText: '第 1 级' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-escalations.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await row.getByRole('link').click();
  await page.waitForURL(`${base}/escalations/${esc.id}`);

  // The chain: level 1 is current, with its holder; the levels above are not reached.
  const chain = page.getByTestId('chain');
  const current = chain.locator('li[aria-current="step"]');
  await current.filter({ hasText: '单位分管网络安全的领导班子成员（直接责任人）' }).waitFor();
  await current.filter({ hasText: '刘洋' }).waitFor();
  expect(await chain.locator('li').count()).toBe(5);
  expect(await chain.locator('li').nth(4).innerText()).toContain('党委书记');
  // Accountability is for levels 3–5 only.
  expect(await page.getByRole('radio', { name: '提出问责' }).count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-escalation.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);

  // A refusal shows the API's message: extending needs a reason.
  await radio(page, '延期');
  await fillDate(page, 'untilDate', beijingDate(10));
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '延期须说明理由' }).waitFor();
  // The decision form fits a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByLabel('意见（延期时必填）').fill('设备采购中，给予延期');
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await page.getByTestId('esc-status').filter({ hasText: '已结束' }).waitFor();
  await page.getByText('领导决定延期').first().waitFor();

  const notice = await s.as(OFFICE).get(`/api/notices/${noticeId}`);
  expect(notice.body.rectifyBy.at).toBe(new Date(Date.parse(`${beijingDate(10)}T00:00:00+08:00`) + 86400000).toISOString());
  expect(problems).toEqual([]);
  await page.close();
});

test('the office finds the stuck-process list in its navigation; a liaison does not', async () => {
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/`);
  await signIn(page, s, OFFICE, '陈静');
  await page.waitForURL(`${base}/`);
  await page.getByRole('link', { name: '卡住的流程' }).first().click();
  await page.waitForURL(`${base}/system/stuck`);
  await page.getByRole('heading', { name: '卡住的流程', level: 1 }).waitFor();
  // The threshold comes from the API (STUCK_ACTIVITY_FAILURES, 5 by default); nothing is stuck here.
  await page.getByText('重试次数超过阈值（5 次）的活动').waitFor();
  await page.getByText('没有卡住的流程。').waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-stuck.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await signOut(page);

  await signIn(page, s, CS_LIAISON, '李娜');
  await page.waitForURL(`${base}/`);
  expect(await page.getByRole('link', { name: '卡住的流程' }).count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});
