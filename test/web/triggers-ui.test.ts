/**
 * The situations of Art. 7 the office records itself (问责触发), in a real browser (Debian's Chromium
 * through playwright-core) on the whole stack with a second-scale escalation policy: from a data-leak
 * incident's page the office records 7(3) with evidence; from a phone it records 7(4), 7(7) and 7(8)
 * through the form; each opens a draft whose page shows the attribution traced at the time of the
 * facts; the same facts submitted again answer "已存在相同事实的问责建议" with the same draft. A notice
 * whose escalation reached the top of the chain without a decision (by timeout) offers the office
 * the 7(6) record on its page, and the form comes filled with it. A unit's liaison sees no form and
 * no link. The list of firings filters by rule and links the drafts, incidents and notices. axe on
 * the list and the form, no sideways scrolling at 390 px on the form and the list, screenshots, no
 * CSP report or page error.
 */
import type { Browser, Page } from 'playwright-core';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { call, incidentBody, noticeBody, OFFICE } from '../support/targets';
import { eventually } from '../support/wait';
import { axe, currentNavLink, horizontalOverflow, launch, newPage, phoneNav, pick, serve, SHOTS, signIn, signOut, topBarHeight, watch } from '../support/browser';

const LIAISON = 'p-li-na';
const CS = { direct: 'p-liu-yang', first: 'p-zhang-wei', directName: '刘洋', firstName: '张伟' };
const ITO = { direct: 'p-gao-fang', first: 'p-sun-ming', directName: '高芳', firstName: '孙明' };
const PHONE = { width: 390, height: 844 };

const ART = {
  leak: '第七条第（三）项 发生国家秘密、大规模个人信息或学校核心数据泄露',
  infra: '第七条第（四）项 重要网络基础设施遭受攻击未及时处置，造成大面积影响、重大经济损失或严重社会影响',
  unrectified: '第七条第（六）项 瞒报、缓报网络安全事件，阻碍调查，或对通报的问题和风险隐患未及时整改，造成严重后果',
  obstruction: '第七条第（七）项 阻碍公安机关、国家安全机关依法维护网络安全',
  other: '第七条第（八）项 其他危害网络安全的严重情形',
};

let s: Stack;
let web: Awaited<ReturnType<typeof serve>>;
let base: string;
let browser: Browser;

beforeAll(async () => {
  // Every escalation level decides within a second: the top of the chain is reached by timeout.
  s = await startStack({ policy: fastPolicy({ decide: 'PT1S' }) });
  web = await serve(s);
  base = web.base;
  browser = await launch();
}, 120000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.shutdown();
});

async function checkPage(page: Page, shot: string, phone: boolean): Promise<void> {
  if (phone) expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-${shot}.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
}

async function apiProposal(id: string) {
  const r = await call(s, 'GET', `/api/accountability-proposals/${id}`, { as: OFFICE });
  expect(r.status).toBe(200);
  return r.body as {
    status: string;
    unitId: string;
    trigger: string;
    facts: string;
    noticeIds: string[];
    evidence: Array<{ name: string }>;
    origin: { kind: string; rule: string; article: string; incidentIds: string[]; firedBy: string };
    attribution: { individuals: Array<{ personId: string; responsibility: string }>; collective: { mainLeadership: string[] } | null };
  };
}

const firingCount = async () => (await call(s, 'GET', '/api/accountability-triggers?pageSize=100', { as: OFFICE })).body.total as number;

/** The result of a submission: the draft's id from its link, and whether it existed already. */
async function result(page: Page, existing: boolean): Promise<string> {
  const banner = page.getByTestId('trigger-result').and(page.locator(`[data-existing="${existing}"]`));
  await banner.waitFor();
  const link = banner.getByTestId('result-link');
  const id = (await link.innerText()).replace('查看问责建议 ', '');
  expect(await link.getAttribute('href')).toBe(`/accountability-proposals/${id}`);
  return id;
}

/** Opens the draft from the result's link; its page shows the situation and the attribution. */
async function openDraft(page: Page, id: string, article: string, unit: typeof CS): Promise<void> {
  await page.getByTestId('result-link').click();
  await page.waitForURL(`${base}/accountability-proposals/${id}`);
  await page.getByTestId('proposal-status').filter({ hasText: '草稿' }).waitFor();
  await page.getByTestId('proposal-trigger').filter({ hasText: article }).waitFor();
  const individuals = page.getByTestId('individuals');
  await individuals.locator('tr').filter({ hasText: unit.directName }).filter({ hasText: '网络安全负责人' }).waitFor();
  await individuals.locator('tr').filter({ hasText: unit.firstName }).waitFor();
  expect(await page.getByTestId('main-leadership').innerText()).toContain(unit.firstName);
}

test('the office records 7(3) from a data-leak incident and 7(4), 7(7), 7(8) from a phone; each opens an attributed draft; the same facts again show the existing draft', async () => {
  // A data leak the unit recorded (its report): the office records the situation from its page.
  const leak = await call(s, 'POST', '/api/incidents', {
    as: LIAISON,
    body: incidentBody('cs', { title: '学生信息系统数据泄露', type: 'data_leak_personal', grade: 'larger', impact: '约2万条学生个人信息被公开售卖' }),
  });
  expect(leak.status).toBe(201);
  const incidentId = leak.body.id as string;

  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/incidents/${incidentId}`);
  await signIn(page, s, OFFICE, '陈静');
  await page.waitForURL(`${base}/incidents/${incidentId}`);
  const record = page.getByTestId('record-situation').getByRole('link', { name: '记录问责情形（第七条第（三）项）' });
  await record.waitFor();
  await checkPage(page, 'trigger-incident-entry', false);
  await record.click();
  await page.waitForURL(/\/accountability-triggers\/new\?/);
  await page.getByRole('heading', { name: '记录问责情形', level: 1 }).waitFor();
  // Filled from the incident: the rule, the unit, the incident linked, the facts and their time.
  const form = page.getByTestId('trigger-form');
  await form.locator('.el-select').filter({ hasText: ART.leak }).waitFor();
  await form.locator('.el-select').filter({ hasText: '计算机科学与技术学院' }).waitFor();
  await form.locator('.el-select').filter({ hasText: incidentId }).waitFor();
  expect(await page.getByTestId('rule-explain').innerText()).toBe('触发规则：办公室认定：数据泄露（第七条第（三）项）');
  expect(await page.getByLabel('事实（必填）', { exact: true }).inputValue()).toContain('约2万条学生个人信息被公开售卖');
  // The incident's start in Beijing, in Chromium's normalized form: the seconds are dropped when
  // they are :00 (as in the phone cases below).
  const startedLocal = new Date(Date.parse(leak.body.startedAt) + 8 * 3600000).toISOString().slice(0, 19).replace(/:00$/, '');
  expect(await page.locator('input[name="factsAt"]').inputValue()).toBe(startedLocal);
  await page.locator('input[name="evidence"]').setInputFiles({ name: '泄露情况说明.txt', mimeType: 'text/plain', buffer: Buffer.from('售卖页面截图与日志') });
  await checkPage(page, 'trigger-form', false);
  await page.getByRole('button', { name: '记录并生成问责建议草稿', exact: true }).click();
  await page.getByTestId('trigger-result').filter({ hasText: '已记录（第七条第（三）项），生成问责建议草稿。' }).waitFor();
  const leakDraft = await result(page, false);
  const p3 = await apiProposal(leakDraft);
  expect(p3).toMatchObject({ status: 'draft', unitId: 'cs', trigger: 'data_leak', origin: { kind: 'trigger', rule: 'recorded_data_leak', article: '7(3)', incidentIds: [incidentId], firedBy: OFFICE } });
  expect(p3.evidence.map((e) => e.name)).toEqual(['泄露情况说明.txt']);
  expect(p3.attribution.individuals.map((r) => [r.personId, r.responsibility])).toEqual([
    [CS.direct, 'cybersecurity_responsible'],
    [CS.first, 'principal_responsible'],
  ]);
  expect(p3.attribution.collective?.mainLeadership).toContain(CS.first);
  await openDraft(page, leakDraft, ART.leak, CS);
  // The draft links back to the incident.
  await page.getByTestId('links').getByRole('link', { name: incidentId, exact: true }).waitFor();
  // The incident's page now lists what was recorded for it.
  await page.goto(`${base}/incidents/${incidentId}`);
  await page.getByTestId('record-situation').getByRole('link', { name: `已据此记录问责建议 ${leakDraft}` }).waitFor();
  expect(problems).toEqual([]);
  await page.close();

  // ---- From a phone: 7(4), 7(7) and 7(8) through the form opened from the list.
  const phone = await newPage(browser, PHONE);
  const phoneProblems = watch(phone);
  await phone.goto(`${base}/accountability-triggers`);
  await signIn(phone, s, OFFICE, '陈静');
  await phone.waitForURL(`${base}/accountability-triggers`);
  // The office's sixteen screens: one row that scrolls, the current one (the sixth) in view.
  await eventually(async () => (await phoneNav(phone)).activeInView, 10000, 'the current screen’s link scrolled into view');
  expect((await phoneNav(phone)).height).toBeLessThan(60);
  // The top bar above it: two lines (it took three, about 110 px, with the tagline and the roles wrapping).
  expect(await topBarHeight(phone)).toBeLessThan(100);
  const cases = [
    { rule: 'recorded_infrastructure_attack', article: '7(4)', text: ART.infra, trigger: 'infrastructure_attack', facts: '校园网核心交换机遭受攻击未及时处置，全校断网4小时。' },
    { rule: 'recorded_obstruction', article: '7(7)', text: ART.obstruction, trigger: 'obstruction', facts: '拒绝向公安机关提供服务器日志，阻碍案件调查。' },
    { rule: 'recorded_other', article: '7(8)', text: ART.other, trigger: 'other_serious', facts: '擅自对外开放数据库管理端口，造成严重安全隐患。' },
  ];
  let lastFactsAt = '';
  let lastDraft = '';
  for (const c of cases) {
    await phone.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '问责触发记录' }).click();
    await phone.waitForURL(`${base}/accountability-triggers`);
    await phone.getByTestId('record-trigger').click();
    await phone.waitForURL(`${base}/accountability-triggers/new`);
    // The record form has no link of its own: its list's link stays the current one.
    expect(await currentNavLink(phone)).toBe('问责触发记录');
    await pick(phone, '问责情形（第七条）', c.text);
    await pick(phone, '单位', '信息化处');
    await phone.getByLabel('事实（必填）', { exact: true }).fill(c.facts);
    // No consequences field but for 7(6).
    expect(await phone.getByLabel('造成的严重后果（必填）', { exact: true }).count()).toBe(0);
    lastFactsAt = await phone.locator('input[name="factsAt"]').inputValue();
    // Chromium drops the seconds from the value when they are :00 (the normalized form).
    expect(lastFactsAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/);
    if (c.rule === 'recorded_other') await checkPage(phone, 'trigger-form-phone', true);
    await phone.getByRole('button', { name: '记录并生成问责建议草稿', exact: true }).click();
    const id = await result(phone, false);
    expect(await apiProposal(id)).toMatchObject({ status: 'draft', unitId: 'ito', trigger: c.trigger, origin: { kind: 'trigger', rule: c.rule, article: c.article } });
    expect((await apiProposal(id)).facts).toContain(c.facts);
    expect(await horizontalOverflow(phone)).toBeLessThanOrEqual(0);
    await openDraft(phone, id, c.text, ITO);
    lastDraft = id;
  }

  // The same facts again (unit, time, text), in a fresh form: the same draft, said plainly.
  const before = await firingCount();
  await phone.goBack();
  await phone.waitForURL(`${base}/accountability-triggers/new`);
  await pick(phone, '问责情形（第七条）', ART.other);
  await pick(phone, '单位', '信息化处');
  await phone.getByLabel('事实（必填）', { exact: true }).fill(cases[2].facts);
  await phone.locator('input[name="factsAt"]').fill(lastFactsAt);
  await phone.getByRole('button', { name: '记录并生成问责建议草稿', exact: true }).click();
  await phone.getByTestId('trigger-result').filter({ hasText: '已存在相同事实的问责建议' }).waitFor();
  expect(await result(phone, true)).toBe(lastDraft);
  expect(await firingCount()).toBe(before);
  await checkPage(phone, 'trigger-existing', true);

  // The list: filtered by rule in the address, the card links its draft.
  await phone.goto(`${base}/accountability-triggers`);
  await pick(phone, '触发规则', '第七条第（七）项 · 办公室认定：阻碍公安、国家安全机关');
  await phone.getByRole('button', { name: '查询', exact: true }).click();
  await phone.waitForURL(/rule=recorded_obstruction/);
  const list = phone.getByTestId('trigger-list');
  await eventually(async () => (await list.locator('li.trigger-item').count()) === 1 && (await list.locator('li.trigger-item[data-rule="recorded_obstruction"]').count()) === 1, 10000, 'only the 7(7) firing listed');
  const card = list.locator('li.trigger-item');
  expect(await card.innerText()).toContain('拒绝向公安机关提供服务器日志');
  expect(await card.innerText()).toContain('陈静记录');
  await checkPage(phone, 'triggers-phone', true);
  // Unfiltered, at a desktop width: every firing, the 7(3) one linking its incident.
  await phone.setViewportSize({ width: 1280, height: 900 });
  await phone.getByRole('button', { name: '重置', exact: true }).click();
  await phone.waitForURL(`${base}/accountability-triggers`);
  const leakCard = list.locator(`li.trigger-item[data-proposal="${leakDraft}"]`);
  await leakCard.getByRole('link', { name: incidentId, exact: true }).waitFor();
  expect(await leakCard.getByTestId('draft-link').getAttribute('href')).toBe(`/accountability-proposals/${leakDraft}`);
  expect(await list.locator('li.trigger-item').count()).toBe(4);
  await checkPage(phone, 'triggers', false);
  expect(phoneProblems).toEqual([]);
  await phone.close();
});

test('7(6): a notice whose escalation reached the top of the chain by timeout is recorded from its page; a liaison sees no form and no link', async () => {
  const now = Date.now();
  const issued = await call(s, 'POST', '/api/notices', {
    as: OFFICE,
    body: noticeBody('cs', { title: '高危漏洞逐级督办后仍未整改', acknowledgeBy: new Date(now + 1000).toISOString(), rectifyBy: new Date(now + 3600000).toISOString() }),
  });
  expect(issued.status).toBe(201);
  const noticeId = issued.body.id as string;
  // Nobody decides: each level times out after a second, up to the party secretary, asked again.
  await eventually(
    async () => (await call(s, 'GET', `/api/notices/${noticeId}`, { as: OFFICE })).body.escalations?.some((e: { topOfChain: unknown }) => e.topOfChain),
    60000,
    'the top of the chain',
  );

  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/notices/${noticeId}`);
  await signIn(page, s, OFFICE, '陈静');
  await page.waitForURL(`${base}/notices/${noticeId}`);
  const entry = page.getByTestId('record-unrectified');
  const record = entry.getByRole('link', { name: '记录逐级上报后仍未整改的后果（第七条第（六）项）' });
  await record.waitFor();
  await checkPage(page, 'trigger-notice-entry', false);
  await record.click();
  await page.waitForURL(/\/accountability-triggers\/new\?/);
  const form = page.getByTestId('trigger-form');
  await form.locator('.el-select').filter({ hasText: ART.unrectified }).waitFor();
  await form.locator('.el-select').filter({ hasText: '计算机科学与技术学院' }).waitFor();
  await form.locator('.el-select').filter({ hasText: `${noticeId} 高危漏洞逐级督办后仍未整改` }).waitFor();
  // The consequences are required: without them the API refuses, and the page says why.
  await page.getByLabel('事实（必填）', { exact: true }).fill('通知逾期未签收，经五级督办仍未整改。');
  await page.getByRole('button', { name: '记录并生成问责建议草稿', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '须写明造成的严重后果' }).waitFor();
  expect(await page.getByTestId('trigger-result').count()).toBe(0);
  await page.getByLabel('造成的严重后果（必填）', { exact: true }).fill('漏洞被利用，导致门户网站数据被篡改。');
  await checkPage(page, 'trigger-unrectified', false);
  await page.getByRole('button', { name: '记录并生成问责建议草稿', exact: true }).click();
  await page.getByTestId('trigger-result').filter({ hasText: '已记录（第七条第（六）项），生成问责建议草稿。' }).waitFor();
  const id = await result(page, false);
  const p6 = await apiProposal(id);
  expect(p6).toMatchObject({ status: 'draft', unitId: 'cs', trigger: 'concealment_or_unrectified', noticeIds: [noticeId], origin: { kind: 'trigger', rule: 'unrectified_after_chain', article: '7(6)' } });
  expect(p6.facts).toContain('漏洞被利用，导致门户网站数据被篡改。');
  // Once per notice: submitted again, the same draft.
  await page.getByRole('button', { name: '记录并生成问责建议草稿', exact: true }).click();
  await page.getByTestId('trigger-result').filter({ hasText: '已存在相同事实的问责建议' }).waitFor();
  expect(await result(page, true)).toBe(id);
  await openDraft(page, id, ART.unrectified, CS);
  await page.getByTestId('links').getByRole('link', { name: noticeId, exact: true }).waitFor();
  // The notice's page now links the draft instead of offering the record again.
  await page.goto(`${base}/notices/${noticeId}`);
  await entry.getByRole('link', { name: `已据此记录问责建议 ${id}` }).waitFor();
  const fired = await call(s, 'GET', `/api/accountability-triggers?noticeId=${noticeId}`, { as: OFFICE });
  expect(fired.body.items).toEqual([expect.objectContaining({ rule: 'unrectified_after_chain', noticeId, proposalId: id })]);

  // The unit's liaison: no link on the notice, no nav entry, no form.
  await signOut(page);
  await page.goto(`${base}/notices/${noticeId}`);
  await signIn(page, s, LIAISON, '李娜');
  await page.waitForURL(`${base}/notices/${noticeId}`);
  await page.getByTestId('notice-status').waitFor();
  expect(await page.getByTestId('record-unrectified').count()).toBe(0);
  expect(await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '问责触发记录' }).count()).toBe(0);
  await page.goto(`${base}/accountability-triggers/new?rule=unrectified_after_chain&noticeId=${noticeId}`);
  await page.getByTestId('only-office').filter({ hasText: '只有领导小组办公室可以记录问责情形。' }).waitFor();
  expect(await page.getByTestId('trigger-form').count()).toBe(0);
  expect(await page.getByRole('button', { name: '记录并生成问责建议草稿' }).count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});
