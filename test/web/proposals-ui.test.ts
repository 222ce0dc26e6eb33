/**
 * The accountability proposal screens (问责建议) in a real browser, on the whole stack: the office
 * drafts a proposal through the form, changes its attribution (Art. 8), recommends measures and asks
 * for approval; the university leader in charge of cybersecurity returns it once, then approves it;
 * the Party Committee and the Discipline Committee each record their decision through their form.
 * Every step is asserted on the page and through the API; axe runs on the list, the detail and each
 * decision form; at 390 px the detail and every decision form fit without sideways scrolling; people
 * without the role see no action buttons. Screenshots go to SHOTS.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';
import { axe, horizontalOverflow, launch, newPage, pick, radio, serve, SHOTS, signIn, signOut, watch } from '../support/browser';

const OFFICE = 'p-chen-jing';
const LEADER = 'p-zhao-hongyu';
const PARTY = 'p-liu-chang';
const DISCIPLINE = 'p-he-yun';
const INSPECTOR = 'p-guo-fang';
const CS_LIAISON = 'p-li-na';
const CS_DIRECT = 'p-liu-yang';
const CS_FIRST = 'p-zhang-wei';
const CS_PRINCIPAL = 'p-qian-hao';
const CS_MEMBER = 'p-liu-wei';
const CS_SUPERVISOR = 'p-zhou-wenbin';
const MA = 'p-ma-jun';

const TRIGGER = '第七条第（二）项 重要网站、信息系统遭受攻击未及时处置，造成6小时以上中断，影响严重';

let s: Stack;
let web: Awaited<ReturnType<typeof serve>>;
let base: string;
let browser: Browser;

beforeAll(async () => {
  s = await startStack();
  web = await serve(s);
  base = web.base;
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.shutdown();
});

/** Chooses several options of an Element Plus multiple select (its dropdown stays open), then closes it. */
async function pickMany(page: Page, label: string, options: Array<string | RegExp>): Promise<void> {
  await page.getByLabel(label, { exact: true }).click({ force: true });
  const dropdown = page.locator('.el-select-dropdown:visible');
  for (const o of options) await dropdown.getByRole('option', { name: o, exact: typeof o === 'string' }).click();
  await page.keyboard.press('Escape');
  // Closed (its fade ended) before the next control is used. A locator, not waitForFunction: that
  // polls with eval inside the page, which the app's CSP refuses.
  await dropdown.waitFor({ state: 'detached' });
}

async function status(page: Page, zh: string): Promise<void> {
  await page.getByTestId('proposal-status').filter({ hasText: new RegExp(`^\\s*${zh}\\s*$`) }).waitFor();
}

/** The proposal as the API holds it (read as the inspection office, a reader who takes no action). */
async function apiProposal(id: string) {
  const r = await s.as(INSPECTOR).get(`/api/accountability-proposals/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function phoneFits(page: Page): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await horizontalOverflow(page)).toBe(0);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function switchTo(page: Page, path: string, personId: string, name: string): Promise<void> {
  await signOut(page);
  await page.goto(`${base}${path}`);
  await signIn(page, s, personId, name);
  await page.waitForURL(`${base}${path}`);
}

test('a proposal from the office draft to both committees’ decisions, through the pages', async () => {
  // A notice of the unit to link (issued through the API: the notice screens have their own test).
  const issued = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title: '学院门户网站中断（问责界面测试）',
    category: 'vulnerability',
    severity: 'high',
    description: '门户网站遭受攻击后中断。',
  });
  expect(issued.status).toBe(201);
  const noticeId = issued.body.id as string;

  const page = await newPage(browser);
  const problems = watch(page);

  // ---- The office drafts a proposal from the list.
  await page.goto(`${base}/`);
  await signIn(page, s, OFFICE, '陈静');
  await page.waitForURL(`${base}/`);
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '问责建议' }).click();
  await page.getByRole('heading', { name: '问责建议', level: 1 }).waitFor();
  await page.getByTestId('new-proposal').click();
  await page.getByRole('heading', { name: '起草问责建议', level: 1 }).waitFor();
  await pick(page, '单位', '计算机科学与技术学院');
  await pick(page, '问责情形（第七条）', TRIGGER);
  await page.getByLabel('事实', { exact: true }).fill('学院门户网站遭受攻击，未及时处置，中断8小时，影响严重。');
  await pickMany(page, '关联通知', [new RegExp(`^${noticeId} `)]);
  await pickMany(page, '当事人', ['马军']);
  await page.locator('#n-files').setInputFiles({ name: '监测记录.txt', mimeType: 'text/plain', buffer: Buffer.from('down 02:00-10:00') });
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-new.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await page.getByRole('button', { name: '保存草稿', exact: true }).click();
  await page.waitForURL(/\/accountability-proposals\/[^/?]+\?edit=attribution$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  await status(page, '草稿');
  await page.getByTestId('proposal-trigger').filter({ hasText: TRIGGER }).waitFor();
  await page.getByTestId('links').getByRole('link', { name: noticeId, exact: true }).waitFor();

  let p = await apiProposal(id);
  expect(p).toMatchObject({ status: 'draft', unitId: 'cs', trigger: 'outage_6h', noticeIds: [noticeId], origin: { kind: 'office', by: OFFICE } });
  expect(p.evidence.map((e: { name: string }) => e.name)).toEqual(['监测记录.txt']);
  // Traced from the organisation at the time of the facts (Art. 7), main leaders by default (Art. 8).
  expect(p.attribution.individuals.map((r: { personId: string; responsibility: string }) => [r.personId, r.responsibility])).toEqual([
    [MA, 'party_concerned'],
    [CS_DIRECT, 'cybersecurity_responsible'],
    [CS_FIRST, 'principal_responsible'],
  ]);
  expect(p.attribution.collective.mainLeadership).toEqual([CS_FIRST, CS_PRINCIPAL, CS_DIRECT]);
  await page.getByTestId('main-leadership').filter({ hasText: '张伟、钱浩、刘洋' }).waitFor();

  // ---- The attribution editor is open: the leader in charge moves from main to nobody, a
  // leadership member takes important leadership responsibility; the reason is recorded.
  const attributionForm = page.getByTestId('attribution-form');
  await attributionForm.waitFor();
  await pickMany(page, '承担主要领导责任的人员', [/^刘洋/]);
  await pickMany(page, '承担重要领导责任的人员', [/^刘伟/]);
  await page.getByLabel('修改理由（必填，记入办理记录）').fill('分管领导事发前已调整分工；班子成员刘伟参与决策');
  await page.getByRole('button', { name: '保存责任认定', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '责任认定已保存。' }).waitFor();
  await page.getByTestId('main-leadership').filter({ hasText: /^张伟、钱浩$/ }).waitFor();
  await page.getByTestId('important-leadership').filter({ hasText: /^刘伟$/ }).waitFor();
  p = await apiProposal(id);
  expect(p.attribution.collective).toMatchObject({ mainLeadership: [CS_FIRST, CS_PRINCIPAL], importantLeadership: [CS_MEMBER] });
  const edited = p.timeline.at(-1);
  expect(edited).toMatchObject({ type: 'edited', actorId: OFFICE, data: { attribution: { reason: '分管领导事发前已调整分工；班子成员刘伟参与决策', kinds: 'both' } } });
  await page.getByTestId('timeline').getByText('分管领导事发前已调整分工', { exact: false }).waitFor();

  // Asking for approval with no measure recommended is refused with the API's words.
  await page.getByRole('button', { name: '报请主管校领导审批', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '提请审批前须至少建议一项问责方式' }).waitFor();

  // ---- Measures: admonishment for the party concerned, a self-examination for the leadership.
  await page.getByRole('button', { name: '建议问责方式', exact: true }).click();
  await pick(page, '对马军建议的问责方式', '诫勉');
  await page.getByLabel('马军的理由', { exact: true }).fill('未按要求及时处置攻击事件');
  await page.locator('label.el-checkbox').filter({ hasText: /^\s*检查\s*$/ }).click();
  await page.getByLabel('检查的理由', { exact: true }).fill('班子对安全隐患长期未研究部署');
  await page.getByRole('button', { name: '保存问责方式', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '已保存。' }).waitFor();
  await page.getByTestId('individuals').locator('tr').filter({ hasText: '马军' }).filter({ hasText: '诫勉' }).waitFor();
  await page.getByTestId('collective').getByText('检查：班子对安全隐患长期未研究部署').waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-draft.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await phoneFits(page);

  await page.getByRole('button', { name: '报请主管校领导审批', exact: true }).click();
  await status(page, '待审批');
  expect((await apiProposal(id)).status).toBe('awaiting_approval');
  // The office has nothing more to do now: no approval, no editing.
  await page.getByTestId('actions').getByText('当前状态下您无需办理。').waitFor();
  expect(await page.getByRole('button', { name: '审批同意并提交党委和纪委' }).count()).toBe(0);
  expect(await page.getByTestId('edit').count()).toBe(0);

  // ---- The cybersecurity leader returns it, with a reason.
  const path = `/accountability-proposals/${id}`;
  await switchTo(page, path, LEADER, '赵宏宇');
  await status(page, '待审批');
  await page.getByText('审批期限').waitFor();
  expect(await page.getByTestId('edit').count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-approval.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await phoneFits(page);
  await page.getByLabel('退回理由', { exact: true }).fill('事实部分缺少中断时长的监测依据');
  await page.getByRole('button', { name: '退回修改', exact: true }).click();
  await status(page, '已退回');
  await page.getByTestId('returns').getByText('事实部分缺少中断时长的监测依据', { exact: false }).waitFor();
  p = await apiProposal(id);
  expect(p.status).toBe('returned');
  expect(p.returns).toEqual([expect.objectContaining({ by: LEADER, reason: '事实部分缺少中断时长的监测依据' })]);

  // ---- The office completes the facts, adds the monitoring record, asks again.
  await switchTo(page, path, OFFICE, '陈静');
  await status(page, '已退回');
  await page.getByRole('button', { name: '问责情形、事实和关联通知', exact: true }).click();
  await page.getByLabel('事实', { exact: true }).last().fill('学院门户网站遭受攻击，未及时处置，中断8小时（附监测记录），影响严重。');
  await page.getByRole('form', { name: '问责情形、事实和关联通知' }).getByRole('button', { name: '保存修改' }).click();
  await page.getByTestId('proposal-facts').filter({ hasText: '（附监测记录）' }).waitFor();
  await page.locator('#p-files').setInputFiles({ name: '流量日志.txt', mimeType: 'text/plain', buffer: Buffer.from('traffic log') });
  await page.getByRole('button', { name: '上传', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '佐证材料已上传。' }).waitFor();
  await page.getByTestId('evidence').getByText('流量日志.txt').waitFor();
  p = await apiProposal(id);
  expect(p.facts).toContain('（附监测记录）');
  expect(p.evidence.map((e: { name: string }) => e.name)).toEqual(['监测记录.txt', '流量日志.txt']);
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 监测记录.txt' }).click()]);
  expect(fs.readFileSync(await file.path()).toString()).toBe('down 02:00-10:00');
  await page.getByRole('button', { name: '报请主管校领导审批', exact: true }).click();
  await status(page, '待审批');

  // ---- The leader approves; the proposal goes to both committees.
  await switchTo(page, path, LEADER, '赵宏宇');
  await page.getByLabel('审批意见（选填）', { exact: true }).fill('同意提交');
  await page.getByRole('button', { name: '审批同意并提交党委和纪委', exact: true }).click();
  await status(page, '已提交党委和纪委');
  await page.getByText('决定期限').waitFor();
  p = await apiProposal(id);
  expect(p.status).toBe('submitted');
  expect(p.approval).toMatchObject({ by: LEADER, comment: '同意提交' });
  // The leader decides for neither committee.
  await page.getByTestId('actions').getByText('当前状态下您无需办理。').waitFor();
  expect(await page.getByRole('button', { name: '提交决定' }).count()).toBe(0);

  // ---- A reader without an action (the inspection office) sees everything and no buttons.
  await switchTo(page, path, INSPECTOR, '郭芳');
  await status(page, '已提交党委和纪委');
  await page.getByTestId('actions').getByText('当前状态下您无需办理。').waitFor();
  for (const name of ['提交决定', '审批同意并提交党委和纪委', '退回修改', '报请主管校领导审批', '保存责任认定']) {
    expect([name, await page.getByRole('button', { name }).count()]).toEqual([name, 0]);
  }

  // ---- The Party Committee member finds it in My work and accepts it.
  await signOut(page);
  await page.goto(`${base}/`);
  await signIn(page, s, PARTY, '刘畅');
  await page.waitForURL(`${base}/`);
  const item = page.getByTestId('work').locator(`li[data-kind="proposal"][data-id="${id}"]`);
  await item.filter({ hasText: '作出决定' }).waitFor();
  await item.getByRole('link').click();
  await page.waitForURL(`${base}${path}`);
  const partyForm = page.getByRole('form', { name: '学校党委作出决定' });
  await partyForm.waitFor();
  expect(await page.getByRole('form', { name: '纪委作出决定' }).count()).toBe(0);
  await radio(page, '采纳');
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-party.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await phoneFits(page);
  await partyForm.getByRole('button', { name: '提交决定' }).click();
  await page.getByRole('status').filter({ hasText: '已录入学校党委的决定。' }).waitFor();
  await page.getByTestId('decisions').locator('[data-body="party_committee"]').getByText('采纳', { exact: false }).waitFor();
  await status(page, '已提交党委和纪委');
  expect(await page.getByRole('form', { name: '学校党委作出决定' }).count()).toBe(0);
  p = await apiProposal(id);
  expect(p.decisions.party_committee).toMatchObject({ by: PARTY, decision: 'accepted' });
  expect(p.decisions.discipline_committee).toBeUndefined();

  // ---- The Discipline Committee member modifies the measures and opens its own review.
  await switchTo(page, path, DISCIPLINE, '何芸');
  const disciplineForm = page.getByRole('form', { name: '纪委作出决定' });
  await disciplineForm.waitFor();
  await radio(page, '调整后采纳');
  await pick(page, '对马军建议的问责方式', '纪律处分');
  await disciplineForm.getByLabel('理由（调整后采纳或不予采纳时必填）').fill('情节较重，当事人另予纪律处分');
  await disciplineForm.locator('label.el-checkbox').filter({ hasText: '纪委已另行立案审查' }).click();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-discipline.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await phoneFits(page);
  await disciplineForm.getByRole('button', { name: '提交决定' }).click();
  await status(page, '已办结');
  const decided = page.getByTestId('decisions').locator('[data-body="discipline_committee"]');
  await decided.getByText('调整后采纳', { exact: false }).waitFor();
  await decided.getByText('马军：纪律处分').waitFor();
  await decided.getByText('纪委已另行立案审查').waitFor();
  p = await apiProposal(id);
  expect(p.status).toBe('closed');
  expect(p.decisions.discipline_committee).toMatchObject({ by: DISCIPLINE, decision: 'modified', reviewOpened: true, reason: '情节较重，当事人另予纪律处分' });
  expect(p.outcome.individuals[0]).toMatchObject({
    personId: MA,
    proposed: 'admonishment',
    decided: { party_committee: { measure: 'admonishment' }, discipline_committee: { measure: 'disciplinary_sanction' } },
  });
  const types = await page.getByTestId('timeline').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
  expect(types).toEqual(['created', 'edited', 'edited', 'approval_requested', 'returned', 'edited', 'edited', 'approval_requested', 'approved', 'decided', 'decided', 'closed']);
  expect(p.timeline.map((e: { type: string }) => e.type)).toEqual(types);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-closed.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await horizontalOverflow(page)).toBe(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // ---- The list: filtered by status and situation, in the address.
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '问责建议' }).click();
  await page.getByRole('heading', { name: '问责建议', level: 1 }).waitFor();
  expect(await page.getByTestId('new-proposal').count()).toBe(0);
  await pick(page, '状态', '已办结');
  await pick(page, '问责情形', TRIGGER);
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/status=closed/);
  expect(page.url()).toContain('trigger=outage_6h');
  const row = page.locator('.data tbody tr').filter({ hasText: id });
  await row.filter({ hasText: '已办结' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-list.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await pick(page, '状态', '草稿');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/status=draft/);
  await page.locator('.data').getByText('暂无记录').waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await horizontalOverflow(page)).toBe(0);
  await page.setViewportSize({ width: 1280, height: 900 });

  // ---- A unit's liaison has no proposals in the navigation, and the address does not disclose one.
  await switchTo(page, '/', CS_LIAISON, '李娜');
  expect(await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '问责建议' }).count()).toBe(0);
  await page.goto(`${base}${path}`);
  await page.getByRole('alert').filter({ hasText: '找不到该问责建议' }).waitFor();
  expect(await page.getByTestId('actions').count()).toBe(0);

  expect(problems).toEqual([]);
  await page.close();
}, 300000);

test('a proposal from an escalation: its notice and escalation linked; a leader asked in it reads it, with nothing to do', async () => {
  // Overdue within seconds, then up the chain to level 3, whose leader proposes accountability.
  const issued = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title: '邮件系统弱口令（问责界面测试）',
    category: 'vulnerability',
    severity: 'high',
    description: '多个账户使用弱口令，逾期未签收。',
    acknowledgeBy: new Date(Date.now() + 3000).toISOString(),
  });
  expect(issued.status).toBe(201);
  const noticeId = issued.body.id as string;
  const escalation = async (level: number) =>
    eventually(async () => {
      const list = await s.as(OFFICE).get(`/api/escalations?noticeId=${noticeId}`);
      const first = list.body.items[0] as { id: string } | undefined;
      if (!first) return undefined;
      const e = (await s.as(OFFICE).get(`/api/escalations/${first.id}`)).body as { id: string; level: number; status: string };
      return e.level === level && e.status === 'awaiting_decision' ? e : undefined;
    }, 60000, `the escalation at level ${level}`);
  let e = await escalation(1);
  expect((await s.as(CS_DIRECT).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' })).status).toBe(200);
  e = await escalation(2);
  expect((await s.as(CS_FIRST).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' })).status).toBe(200);
  e = await escalation(3);
  const proposed = await s.as(CS_SUPERVISOR).post(`/api/escalations/${e.id}/decision`, { decision: 'propose_accountability', comment: '多次督办仍未签收整改' });
  expect(proposed.status).toBe(200);
  const id = proposed.body.state.proposalId as string;
  await eventually(async () => (await s.as(OFFICE).get(`/api/accountability-proposals/${id}`)).status === 200 || undefined, 30000, 'the proposal to be recorded');

  const page = await newPage(browser);
  const problems = watch(page);
  const path = `/accountability-proposals/${id}`;

  // The supervising leader who proposed it reads it (an own item), without the list or any action.
  await page.goto(`${base}${path}`);
  await signIn(page, s, CS_SUPERVISOR, '周文斌');
  await page.waitForURL(`${base}${path}`);
  await status(page, '草稿');
  await page.getByText('逐级督办第 3 级由周文斌提出').waitFor();
  expect(await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '问责建议' }).count()).toBe(0);
  await page.getByTestId('actions').getByText('当前状态下您无需办理。').waitFor();
  expect(await page.getByTestId('edit').count()).toBe(0);
  expect(await page.getByRole('button', { name: '报请主管校领导审批' }).count()).toBe(0);

  // The office sees the notice and the escalation it came from, and follows the link.
  await switchTo(page, path, OFFICE, '陈静');
  const links = page.getByTestId('links');
  await links.getByRole('link', { name: noticeId, exact: true }).waitFor();
  const escLink = links.getByRole('link', { name: `督办 ${e.id}` });
  await escLink.waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-proposal-escalation.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  await escLink.click();
  await page.waitForURL(`${base}/escalations/${e.id}`);
  await page.getByTestId('esc-status').filter({ hasText: '已结束' }).waitFor();
  expect(problems).toEqual([]);
  await page.close();
}, 180000);
