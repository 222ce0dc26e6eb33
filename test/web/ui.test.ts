/**
 * The web UI in a real browser: Debian's Chromium driven by playwright-core, against the whole stack
 * (express app on a loopback port, real worker, real Temporal dev server, real database). A notice
 * goes from issue to close through the forms, as the office and the unit's liaison would do it;
 * a leader decides an escalation. Screenshots are written to /tmp for people to look at.
 *
 * Chromium: `apt-get install -y chromium` (CI does it in .ci/run). `npx playwright install` cannot
 * download browsers on these machines.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp';

const OFFICE = 'p-chen-jing';
const CS_LIAISON = 'p-li-na';
const CS_DIRECT = 'p-liu-yang';

let s: Stack;
let server: http.Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}, so the browser tests cannot run. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (Debian), or set CHROMIUM_PATH to a Chromium binary. ' +
        '(`npx playwright install` cannot download browsers on these machines.)',
    );
  }
  s = await startStack();
  server = http.createServer(s.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await s?.shutdown();
});

/** Page errors and CSP violations fail the test: the app must run under its own CSP. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`csp: ${msg.text()}`);
  });
  return problems;
}

async function signIn(page: Page, personId: string, name: string): Promise<void> {
  const token = await s.tokens.sign(personId);
  await page.getByLabel('身份令牌（Bearer token）').fill(token);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByTestId('me-name').filter({ hasText: name }).waitFor();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: '退出', exact: true }).click();
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
}

async function waitForStatus(page: Page, zh: string): Promise<void> {
  await page.getByTestId('notice-status').filter({ hasText: zh }).waitFor();
}

/** "YYYY-MM-DD" in Beijing, `days` from today. */
function beijingDate(days: number): string {
  return new Date(Date.now() + 8 * 3600000 + days * 86400000).toISOString().slice(0, 10);
}

test('a notice from issue to close through the web UI, with a deep link from a message', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const problems = watch(page);

  // A bad token is refused with the API's message.
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
  await page.getByLabel('身份令牌（Bearer token）').fill('not-a-token');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '身份令牌无效' }).waitFor();

  // The office issues a notice through the form, with an explicit rectification date.
  await signIn(page, OFFICE, '陈静');
  expect(page.url()).toBe(`${base}/inbox`);
  await page.getByRole('link', { name: '下发通知' }).first().click();
  await page.getByRole('heading', { name: '下发整改通知' }).waitFor();
  await page.getByLabel('被通知单位').selectOption('cs');
  await page.getByLabel('标题').fill('门户网站存在SQL注入漏洞（界面测试）');
  await page.getByLabel('问题类别').selectOption('vulnerability');
  await page.getByLabel('风险等级').selectOption('high');
  await page.getByLabel('问题描述与整改要求').fill('news.php 参数未过滤，请立即整改。');
  await page.getByLabel('涉及资产（每行一项，选填）').fill('https://cs.example.edu.cn');
  const rectifyDate = beijingDate(7);
  await page.locator('input[name="rectifyByDate"]').fill(rectifyDate);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-issue.png`, fullPage: true });
  await page.getByRole('button', { name: '下发', exact: true }).click();
  await page.waitForURL(/\/notices\/[^/]+$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  expect(id).toMatch(/^T[0-9A-F]+-\d{4}-\d{4}$/);
  await waitForStatus(page, '待签收');
  // A date alone is the end of that day, written 24:00 as official notices do.
  await page.getByText(`${rectifyDate} 24:00`, { exact: true }).first().waitFor();
  await page.getByText('由领导小组办公室指定整改期限').waitFor();

  // The liaison opens the link from the message (signing in first), finds it in the inbox too.
  await signOut(page);
  await page.goto(`${base}/notices/${id}`);
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
  await signIn(page, CS_LIAISON, '李娜');
  expect(page.url()).toBe(`${base}/notices/${id}`);
  await waitForStatus(page, '待签收');

  await page.getByRole('link', { name: /^待办/ }).click();
  const message = page.locator('li.message').filter({ hasText: id });
  await message.filter({ hasText: '整改通知' }).waitFor();
  expect(await message.locator('.unread-dot').count()).toBe(1);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-inbox.png`, fullPage: true });
  await message.getByRole('link', { name: `查看通知 ${id}` }).click();
  await page.waitForURL(`${base}/notices/${id}`);
  await waitForStatus(page, '待签收');
  const inbox = await s.as(CS_LIAISON).get('/api/me/inbox');
  expect(inbox.body.items.find((m: { noticeId: string }) => m.noticeId === id).readAt).toBeTruthy();

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
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await waitForStatus(page, '待审核');
  await page.locator('.evidence').getByText('复测报告.txt').waitFor();
  // No review form for the unit.
  expect(await page.getByRole('radio', { name: '通过（办结）' }).count()).toBe(0);

  // The office accepts it.
  await signOut(page);
  await signIn(page, OFFICE, '陈静');
  await waitForStatus(page, '待审核');
  await page.getByRole('radio', { name: '通过（办结）' }).check();
  await page.getByLabel('审核意见说明').fill('整改到位');
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-review.png`, fullPage: true });
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await waitForStatus(page, '已办结');
  expect(await page.getByText('当前状态下您无需办理。').count()).toBe(1);

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

  // The list shows it closed; filters work.
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '通知', exact: true }).click();
  await page.getByLabel('状态').selectOption('closed');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/status=closed/);
  const row = page.locator('table.data tbody tr').filter({ hasText: id });
  await row.filter({ hasText: '已办结' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-list.png`, fullPage: true });

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

  // Phone width: the same notice, laid out in one column.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/notices/${id}`);
  await waitForStatus(page, '已办结');
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-phone.png`, fullPage: true });

  // An expired token sends the person back to sign-in with a message.
  const expired = await s.tokens.sign(OFFICE, '-120s');
  await page.evaluate(`sessionStorage.setItem('cyberduty.token', ${JSON.stringify(expired)})`);
  await page.reload();
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
  await page.getByRole('alert').filter({ hasText: '登录已失效，请重新登录。' }).waitFor();

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

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const problems = watch(page);
  await page.goto(`${base}/escalations`);
  await signIn(page, CS_DIRECT, '刘洋');
  const row = page.locator('table.data tbody tr').filter({ hasText: noticeId });
  await row.filter({ hasText: '第 1 级' }).waitFor();
  await row.getByRole('link').click();
  await page.waitForURL(`${base}/escalations/${esc.id}`);

  // The chain: level 1 is current, with its holder; the levels above are not reached.
  const chain = page.getByTestId('chain');
  const current = chain.locator('li[aria-current="step"]');
  await current.filter({ hasText: '单位分管网络安全的领导班子成员（直接责任人）' }).waitFor();
  expect(await current.innerText()).toContain('刘洋');
  expect(await chain.locator('li').count()).toBe(5);
  expect(await chain.locator('li').nth(4).innerText()).toContain('党委书记');
  // Accountability is for levels 3–5 only.
  expect(await page.getByRole('radio', { name: '提出问责' }).count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-escalation.png`, fullPage: true });

  // A refusal shows the API's message: extending needs a reason.
  await page.getByRole('radio', { name: '延期' }).check();
  await page.locator('input[name="untilDate"]').fill(beijingDate(10));
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '延期须说明理由' }).waitFor();

  await page.getByLabel('意见（延期时必填）').fill('设备采购中，给予延期');
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await page.getByTestId('esc-status').filter({ hasText: '已结束' }).waitFor();
  await page.getByText('领导决定延期').first().waitFor();

  const notice = await s.as(OFFICE).get(`/api/notices/${noticeId}`);
  expect(notice.body.rectifyBy.at).toBe(new Date(Date.parse(`${beijingDate(10)}T00:00:00+08:00`) + 86400000).toISOString());
  expect(problems).toEqual([]);
  await page.close();
});
