/**
 * The oversight screens in a real browser, on the whole stack (one stack, one browser): the
 * notifications page (the office configures a unit's DingTalk robot, sees a message the robot
 * refused fail for real, and retries it; a liaison sets their channel preferences); the audit trail
 * (the audit office filters it to a notice, sees the chain verified, exports it, and sees where it
 * breaks when an entry is altered in the database); the organisation as at today and as at an
 * earlier date with a unit's role history; the calendar upkeep (years, a year entered, the deadlines
 * it affected recomputed). Each screen: axe, a screenshot, no page error or CSP report, no
 * horizontal scrolling at 390 px, and a person without the role does not see the office's parts.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { addDays, isPlainWeekday, localDate } from '../../domain/calendar';
import { ChainVerifier, type AuditEntry } from '../../domain/audit-chain';
import { formatBeijing } from '../../domain/time';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';
import { giveOrgAHistory, HANDOVER } from '../support/org-history';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { noticeBody } from '../support/targets';
import { axe, fillDate, horizontalOverflow, launch, newPage, pick, serve, SHOTS, signIn, watch } from '../support/browser';

const OFFICE = 'p-chen-jing';
const AUDITOR = 'p-ma-xiaodong';
const LIAISON = 'p-li-na';
/** Two years ahead: no schedule of it ships with the system, so its dates here are test data only. */
const Y = new Date().getUTCFullYear() + 2;

function weekdaysUntil(date: string): number {
  let n = 0;
  for (let d = addDays(localDate(new Date()), 1); d <= date; d = addDays(d, 1)) if (isPlainWeekday(d)) n++;
  return n;
}
function firstWeekdayOfJanuary(): string {
  let d = `${Y}-01-04`;
  while (!isPlainWeekday(d)) d = addDays(d, 1);
  return d;
}

let s: Stack;
let web: Awaited<ReturnType<typeof serve>>;
let base: string;
let browser: Browser;
let hooks: WebhookReceiver;
let history: { started: Date; changed: Date };
/** The notice whose robot message failed: the audit test finds it in the trail. */
let noticeId = '';

beforeAll(async () => {
  // Low notices are rectified within working days reaching into January of Y (over years the
  // calendar does not cover): the calendar page has one to recompute.
  const policy = fastPolicy();
  policy.severities.low = { ...policy.severities.low, rectify: { within: `P${weekdaysUntil(`${Y}-01-20`)}D`, workingDays: true, reminders: [] } };
  policy.limits = { ...policy.limits, maxDeadlineAhead: 'P1000D' };
  s = await startStack({ policy });
  history = await giveOrgAHistory(s.db, { startedDaysAgo: 60, changedDaysAgo: 30 });
  hooks = await startWebhookReceiver();
  web = await serve(s);
  base = web.base;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await hooks?.close();
  await s?.shutdown();
});

const nav = (page: Page) => page.getByRole('navigation', { name: '主导航' });

/** A screen as people see it: accessible, photographed, and no sideways scrolling on a phone. */
async function check(page: Page, shot: string): Promise<void> {
  expect(await axe(page)).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-${shot}.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('notifications: the office configures a robot, sees its refusal fail and retries it; a liaison sets their preferences', async () => {
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/notifications`);
  await signIn(page, s, OFFICE, '陈静');
  await page.getByRole('heading', { name: '通知送达', level: 1 }).waitFor();

  // cs's group robot on DingTalk, signed. The secret and the URL's token never come back.
  const token = 'ui-cs-robot-token-7731';
  const secret = 'SECui-robot-secret-5519';
  hooks.setSecret(token, secret);
  await page.getByRole('tab', { name: '工作群机器人' }).click();
  await page.waitForURL(/tab=robots/);
  await page.getByText('尚未配置机器人').waitFor();
  await pick(page, '单位或人员', '计算机科学与技术学院');
  await pick(page, '机器人类型', '钉钉');
  await page.getByLabel('Webhook 地址', { exact: true }).fill(hooks.url('dingtalk', token));
  await page.getByLabel('签名密钥（选填）', { exact: true }).fill(secret);
  await page.getByRole('button', { name: '保存机器人' }).click();
  await page.getByRole('status').filter({ hasText: '机器人已保存。' }).waitFor();
  const robotRow = page.getByTestId('robot-table').locator('tbody tr').filter({ hasText: '计算机科学与技术学院' });
  await robotRow.filter({ hasText: '钉钉' }).filter({ hasText: '已设置签名密钥' }).waitFor();
  expect(await robotRow.innerText()).toContain('7731');
  const html = await page.content();
  expect(html).not.toContain(token);
  expect(html).not.toContain(secret);
  expect(await page.getByLabel('Webhook 地址', { exact: true }).inputValue()).toBe('');
  await check(page, 'notif-robots');

  // The robot refuses the next message with a code no retry cures: it fails at once.
  hooks.failNext(1, { errorBody: { errcode: 310000, errmsg: 'keywords not in content' } });
  const issued = await s.as(OFFICE).post('/api/notices', noticeBody('cs', { title: '门户网站存在SQL注入漏洞（送达测试）' }));
  expect(issued.status).toBe(201);
  noticeId = issued.body.id as string;
  const failed = await eventually(async () => {
    const r = await s.as(OFFICE).get(`/api/notifications?status=failed&noticeId=${noticeId}`);
    return (r.body.items as Array<{ id: number; channel: string; lastError: string }>).find((x) => x.channel === 'dingtalk');
  }, 30000, 'the robot message to fail');
  expect(failed.lastError).toContain('310000');

  // The office finds it among the failed ones and retries it.
  await page.getByRole('tab', { name: '发送记录' }).click();
  await pick(page, '状态', '发送失败');
  await page.getByLabel('通知编号', { exact: true }).fill(noticeId);
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/status=failed/);
  const row = page.getByTestId('outbox-table').locator('tbody tr').filter({ hasText: '310000' });
  await row.filter({ hasText: '发送失败' }).filter({ hasText: '计算机科学与技术学院工作群' }).waitFor();
  // The row is in the tab's first, unfiltered list too: only the search's answer lists it alone
  // (once, in a CI run, the count read 4 here: the first list still shown, or a late answer to it
  // shown after the search's, which web/src/use.ts now drops).
  await eventually(async () => (await page.getByTestId('outbox-table').locator('tbody tr').count()) === 1, 10000, "the search's answer: the notice's one failed row");
  await check(page, 'notif-outbox');
  await row.getByRole('button', { name: `重发第 ${failed.id} 条` }).click();
  await page.getByRole('status').filter({ hasText: `第 ${failed.id} 条已重新排队发送。` }).waitFor();
  await eventually(async () => (await s.as(OFFICE).get(`/api/notifications/${failed.id}`)).body.status === 'sent', 30000, 'the retried message to be sent');
  expect(hooks.messages.filter((m) => m.token === token && m.text.includes(noticeId))).toHaveLength(1);
  await page.getByRole('button', { name: '重置' }).click();
  await page.getByLabel('通知编号', { exact: true }).fill(noticeId);
  await page.getByRole('button', { name: '查询' }).click();
  const sent = page.getByTestId('outbox-table').locator('tbody tr').filter({ hasText: '计算机科学与技术学院工作群' });
  await sent.filter({ hasText: '已送达' }).filter({ hasText: '陈静于' }).waitFor();
  expect(problems).toEqual([]);
  await page.close();

  // The liaison: only their own preferences (no outbox, no robots of others), and they choose.
  const p2 = await newPage(browser);
  const problems2 = watch(p2);
  await p2.goto(`${base}/notifications`);
  await signIn(p2, s, LIAISON, '李娜');
  await p2.getByRole('heading', { name: '我的通知偏好', level: 2 }).waitFor();
  expect(await p2.getByRole('tab').allInnerTexts()).toEqual(['我的通知偏好']);
  expect(await nav(p2).getByRole('link', { name: '审计日志' }).count()).toBe(0);
  expect(await nav(p2).getByRole('link', { name: '工作日历' }).count()).toBe(0);
  await p2.getByText('我可用的渠道：站内消息、钉钉').waitFor();
  const category = (c: string) => p2.locator(`fieldset[data-category="${c}"]`);
  const box = (c: string, text: string) => category(c).locator('label.el-checkbox').filter({ hasText: text });
  // New notices: the inbox only. Reminders: DingTalk (chosen, no longer the default).
  await box('new_notice', '按默认').click();
  await box('new_notice', '钉钉').click();
  await box('reminder', '按默认').click();
  await check(p2, 'notif-prefs');
  await p2.getByRole('button', { name: '保存偏好' }).click();
  await p2.getByRole('status').filter({ hasText: '偏好已保存。' }).waitFor();
  await category('new_notice').getByText('目前送达：站内消息', { exact: true }).waitFor();
  const prefs = await s.as(LIAISON).get('/api/me/notification-preferences');
  const chosen = Object.fromEntries((prefs.body.categories as Array<{ category: string; chosen: string[] | null }>).map((c) => [c.category, c.chosen]));
  expect(chosen).toEqual({ new_notice: [], reminder: ['dingtalk'], escalation: null, decision_needed: null, outcome: null });
  // The office's pages are not theirs, even by address.
  await p2.goto(`${base}/audit`);
  await p2.getByText('只有领导小组办公室、巡察办和审计处可以查看审计日志。').waitFor();
  await p2.goto(`${base}/calendar`);
  await p2.getByText('您的角色无权查看工作日历。').waitFor();
  expect(problems2).toEqual([]);
  await p2.close();
});

test('the audit trail: the audit office filters to a notice, sees the chain verified, exports it, and sees where it breaks', async () => {
  expect(noticeId).not.toBe('');
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/`);
  await signIn(page, s, AUDITOR, '马晓东');
  await nav(page).getByRole('link', { name: '审计日志' }).click();
  await page.getByRole('heading', { name: '审计日志', level: 1 }).waitFor();
  const verify = page.getByTestId('audit-verify');
  await verify.getByText(/^哈希链完整：共 \d+ 条，未发现篡改。$/).waitFor();

  // Filtered to the notice: its API request and every step of its workflow, nothing else.
  await page.getByLabel('对象编号', { exact: true }).fill(noticeId);
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(new RegExp(`targetId=${noticeId}`));
  const rows = page.getByTestId('audit-table').locator('tbody tr');
  await rows.filter({ hasText: 'notice.issued' }).waitFor();
  await rows.filter({ hasText: 'POST /api/notices' }).filter({ hasText: '陈静' }).waitFor();
  const api = await s.as(AUDITOR).get(`/api/audit?targetId=${noticeId}`);
  expect(api.body.total).toBeGreaterThanOrEqual(2);
  expect(await rows.count()).toBe(api.body.total);
  for (const text of await rows.allInnerTexts()) expect(text).toContain(noticeId);
  await check(page, 'audit');

  // The export: the whole log, verifiable offline, ending with this export's own entry.
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出审计日志' }).click()]);
  expect(file.suggestedFilename()).toMatch(/^cyberduty-audit-\d{8}T\d{6}Z\.jsonl$/);
  const lines = fs.readFileSync(await file.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEntry);
  const v = new ChainVerifier();
  for (const e of lines) v.push(e);
  expect(v.result().ok).toBe(true);
  expect(lines.map((e) => e.seq)).toEqual(lines.map((_e, i) => i + 1));
  expect(lines.filter((e) => e.targetId === noticeId).map((e) => e.action)).toEqual(expect.arrayContaining(['notice.issued', 'POST /api/notices']));
  const last = lines[lines.length - 1];
  expect(last).toMatchObject({ action: 'audit.export', actorId: AUDITOR });
  await page.getByTestId('audit-exported').filter({ hasText: `本次导出的链头：${last.seq}:${last.hash}` }).waitFor();

  // An entry altered in the database (its owner can switch the guard off): the page says where.
  const k = lines.find((e) => e.targetId === noticeId && e.action === 'notice.issued')!.seq;
  const saved = (await s.db.query<{ details: unknown }>('SELECT details FROM audit_log WHERE seq = $1', [k])).rows[0].details;
  await s.db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
  try {
    await s.db.query(`UPDATE audit_log SET details = details || '{"altered": true}'::jsonb WHERE seq = $1`, [k]);
    await page.getByRole('button', { name: '校验哈希链' }).click();
    await verify.getByText(`哈希链在第 ${k} 条断开：内容与哈希不符（被修改或移动）`).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/cyberduty-ui-audit-broken.png`, fullPage: true });
  } finally {
    await s.db.query('UPDATE audit_log SET details = $2::jsonb WHERE seq = $1', [k, typeof saved === 'string' ? saved : JSON.stringify(saved)]);
    await s.db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  }
  await page.getByRole('button', { name: '校验哈希链' }).click();
  await verify.getByText(/^哈希链完整：共 \d+ 条，未发现篡改。$/).waitFor();

  // The audit office reads the outbox and the robots, but retries and configures nothing.
  await nav(page).getByRole('link', { name: '通知送达' }).click();
  await page.getByTestId('outbox-table').locator('tbody tr').first().waitFor();
  expect(await page.getByRole('button', { name: /^重发第/ }).count()).toBe(0);
  await page.getByRole('tab', { name: '工作群机器人' }).click();
  await page.getByTestId('robot-table').locator('tbody tr').filter({ hasText: '钉钉' }).waitFor();
  expect(await page.getByRole('button', { name: '保存机器人' }).count()).toBe(0);
  expect(await page.getByRole('button', { name: /^删除/ }).count()).toBe(0);
  // And the calendar: the years, not the upkeep.
  await nav(page).getByRole('link', { name: '工作日历' }).click();
  await page.getByTestId('cal-years').locator('tbody tr').first().waitFor();
  expect(await page.getByRole('button', { name: '保存' }).count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test("the organisation: a unit's people as at today and at an earlier date, and its role history", async () => {
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/`);
  await signIn(page, s, LIAISON, '李娜');
  await nav(page).getByRole('link', { name: '组织机构' }).click();
  await page.getByRole('heading', { name: '组织机构', level: 1 }).waitFor();
  await pick(page, '单位', '计算机科学与技术学院');
  await page.waitForURL(/unit=cs/);
  const unit = page.getByTestId('org-unit');
  const direct = unit.locator(`tr[data-role="${HANDOVER.role}"]`);
  await direct.filter({ hasText: '杨帆' }).waitFor();
  expect(await direct.innerText()).not.toContain('刘洋');
  await unit.locator('tr[data-role="liaison"]').filter({ hasText: '李娜' }).waitFor();
  // A liaison sees names and roles, not other people's contact details.
  expect(await unit.innerText()).not.toContain('@example.edu.cn');
  await page.getByTestId('org-university').locator('tr').filter({ hasText: '陈静' }).waitFor();

  // The role history: 刘洋 until the handover, 杨帆 since.
  const hist = page.getByTestId('org-history').locator('tbody tr');
  await hist.filter({ hasText: '刘洋' }).filter({ hasText: formatBeijing(history.started) }).filter({ hasText: formatBeijing(history.changed) }).waitFor();
  await hist.filter({ hasText: '杨帆' }).filter({ hasText: formatBeijing(history.changed) }).filter({ hasText: '至今' }).waitFor();
  await hist.filter({ hasText: '杨帆' }).filter({ hasText: '当时在任' }).waitFor();
  await check(page, 'org');

  // As at a date before the handover: 刘洋 held the role then.
  const earlier = localDate(new Date(Date.now() - 45 * 86400000));
  await fillDate(page, 'asOf', earlier);
  await page.waitForURL(new RegExp(`date=${earlier}`));
  await direct.filter({ hasText: '刘洋' }).waitFor();
  expect(await direct.innerText()).not.toContain('杨帆');
  await page.getByRole('heading', { name: `计算机科学与技术学院（截至 ${earlier}）` }).waitFor();
  await hist.filter({ hasText: '刘洋' }).filter({ hasText: '当时在任' }).waitFor();
  expect(await hist.filter({ hasText: '杨帆' }).filter({ hasText: '当时在任' }).count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-org-earlier.png`, fullPage: true });
  // Before the organisation was first imported nobody held a role: all vacant.
  await fillDate(page, 'asOf', localDate(new Date(history.started.getTime() - 2 * 86400000)));
  await direct.filter({ hasText: '空缺' }).waitFor();
  expect(problems).toEqual([]);
  await page.close();
});

test('the calendar: the office sees the years, enters a year, and has the deadlines it affected recomputed', async () => {
  const low = await s.as(OFFICE).post('/api/notices', noticeBody('cs', { severity: 'low', title: '弱口令（日历测试）' }));
  expect(low.status).toBe(201);
  const lowId = low.body.id as string;
  expect(low.body.rectifyBy.at).toBe(new Date(Date.parse(`${Y}-01-20T00:00:00+08:00`) + 86400000).toISOString());

  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/`);
  await signIn(page, s, OFFICE, '陈静');
  await nav(page).getByRole('link', { name: '工作日历' }).click();
  await page.getByRole('heading', { name: '工作日历', level: 1 }).waitFor();
  const years = page.getByTestId('cal-years').locator('tbody tr');
  const before = await s.as(OFFICE).get('/api/calendar');
  // The package's years in one row, e.g. 2004–2026.
  const bundled = (before.body.years as Array<{ year: number; source: string }>).filter((y) => y.source === 'package').map((y) => y.year);
  await years.filter({ hasText: `${Math.min(...bundled)}–${Math.max(...bundled)}` }).filter({ hasText: '内置（chinese-days）' }).waitFor();
  expect(await years.count()).toBe(1);
  if (before.body.warning) await page.getByTestId('cal-warning').filter({ hasText: before.body.warning.zh }).waitFor();
  else expect(await page.getByTestId('cal-warning').count()).toBe(0);
  await page.getByTestId('cal-flagged').getByRole('link', { name: lowId }).waitFor();
  await check(page, 'calendar');

  // What the form and the API refuse is said, and nothing is saved.
  await page.getByLabel('年份', { exact: true }).fill(String(Y));
  await page.getByLabel('放假日期（每行：日期 名称）', { exact: true }).fill('元旦');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.getByText('放假日期第 1 行格式不对，应为“YYYY-MM-DD 名称”').waitFor();
  await page.getByLabel('放假日期（每行：日期 名称）', { exact: true }).fill(`${Y - 1}-12-31 测试用假日`);
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.getByText(`${Y - 1}-12-31 不在 ${Y} 年内`, { exact: false }).waitFor();

  // A year's entries, as the State Council would publish them (test data, far ahead).
  const holiday = firstWeekdayOfJanuary();
  await page.getByLabel('放假日期（每行：日期 名称）', { exact: true }).fill(`${Y}-01-01 测试用元旦\n${holiday} 测试用假日`);
  await page.getByLabel('调休上班日期（每行：日期 名称）', { exact: true }).fill('');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `已保存 ${Y} 年的安排。` }).waitFor();
  await years.filter({ hasText: String(Y) }).filter({ hasText: '人工录入' }).filter({ hasText: '陈静于' }).filter({ hasText: '放假 2 天，调休上班 0 天' }).waitFor();
  const after = await s.as(OFFICE).get('/api/calendar');
  expect((after.body.years as Array<{ year: number }>).find((y) => y.year === Y)).toMatchObject({ year: Y, source: 'entered', enteredBy: OFFICE, holidays: 2, workdays: 0 });

  // The deadlines counted over the year before it was entered are counted again.
  await page.getByRole('button', { name: '重新计算期限' }).click();
  const result = page.getByTestId('cal-result');
  await result.filter({ hasText: '已重新计算 1 件' }).getByRole('link', { name: lowId }).waitFor();
  // Still listed: its new deadline is counted over next year too, which nobody has entered yet.
  if (!(after.body.years as Array<{ year: number }>).some((y) => y.year === Y - 1)) await page.getByTestId('cal-flagged').getByRole('link', { name: lowId }).waitFor();
  const notice = await s.as(OFFICE).get(`/api/notices/${lowId}`);
  expect((notice.body.timeline as Array<{ type: string }>).map((e) => e.type)).toContain('deadlines_recomputed');
  expect(Date.parse(notice.body.rectifyBy.at)).toBeGreaterThan(Date.parse(low.body.rectifyBy.at));
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-calendar-saved.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});
