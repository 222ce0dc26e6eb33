/**
 * Incidents and the information-system register in a real browser (Debian's Chromium through
 * playwright-core) on the whole stack with a second-scale policy: in a phone-sized window (390 px)
 * the office records a defacement it learned of by monitoring, the unit never reports it, the
 * reporting clock runs out on the page, and when the office closes it the page follows the
 * incident to the automatic accountability drafts of Art. 7(1) and 7(6); a unit's liaison records
 * a defacement detected minutes ago from a phone and the page shows the late report and its 7(1)
 * draft. The register adds a system and imports a CSV — one with a bad row (refused, nothing
 * written), then a good one. The list's clocks tick without refetching. axe, 390 px widths and
 * screenshots on every screen.
 */
import type { Browser, Page } from 'playwright-core';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { call, OFFICE } from '../support/targets';
import { eventually } from '../support/wait';
import { axe, backgroundOf, horizontalOverflow, launch, newPage, pick, serve, SHOTS, signIn, watch } from '../support/browser';
import type { Policy } from '../../domain/policy';

const LIAISON = 'p-li-na';
const PHONE = { width: 390, height: 844 };
/** Every grade's reporting window: long enough to read the clock running, short enough to see it run out. */
const WINDOW = 'PT12S';

function policy(): Policy {
  const base = fastPolicy();
  const w = { cii: WINDOW, other: WINDOW };
  return {
    ...base,
    incidents: {
      reportWithin: { general: w, larger: w, major: w, especially_major: w },
      reportReminders: [],
      outageAlertAfter: 'PT1H',
      notifyChainUpTo: { general: 1, larger: 2, major: 3, especially_major: 5 },
    },
  };
}

let s: Stack;
let web: Awaited<ReturnType<typeof serve>>;
let base: string;
let browser: Browser;

beforeAll(async () => {
  s = await startStack({ policy: policy() });
  web = await serve(s);
  base = web.base;
  browser = await launch();
}, 120000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.shutdown();
});

const idFromUrl = (page: Page) => decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

/** "YYYY-MM-DDTHH:mm" in Beijing, `ms` ago (what a datetime-local input holds). */
const beijingLocal = (msAgo: number) => new Date(Date.now() - msAgo + 8 * 3600000).toISOString().slice(0, 16);

async function checkPage(page: Page, shot: string, phone = true): Promise<void> {
  if (phone) expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-${shot}.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
}

async function proposal(id: string) {
  const r = await call(s, 'GET', `/api/accountability-proposals/${id}`, { as: OFFICE });
  expect(r.status).toBe(200);
  return r.body as { status: string; trigger: string; unitId: string; origin: { kind: string; rule: string; article: string; incidentIds: string[] } };
}

test('the register: the office adds a system; a CSV with a bad row is refused whole, a good one imports', async () => {
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${base}/systems`);
  await signIn(page, s, OFFICE, '陈静');
  await page.waitForURL(`${base}/systems`);
  await page.getByRole('heading', { name: '信息系统台账', level: 1 }).waitFor();

  // Add one through the form.
  await page.getByRole('button', { name: '登记信息系统', exact: true }).click();
  const form = page.getByTestId('system-form');
  await form.waitFor();
  await pick(page, '所属单位', '计算机科学与技术学院');
  await form.getByLabel('名称', { exact: true }).fill('学院门户网站');
  await form.getByLabel('地址或主机', { exact: true }).fill('www.cs.example.edu.cn');
  await form.getByLabel('联系人', { exact: true }).fill('李娜 13800000012');
  await pick(page, '等级保护级别', '第三级');
  await form.getByText('重要网站或系统', { exact: true }).click();
  await checkPage(page, 'system-form', false);
  await form.getByRole('button', { name: '保存', exact: true }).click();
  const saved = page.getByRole('status').filter({ hasText: /^已保存 SYS-\d{4}。$/ });
  await saved.waitFor();
  // A done action reads green, not in the amber of a warning.
  expect(await backgroundOf(saved)).toBe('rgb(240, 249, 235)');
  const row = page.getByTestId('system-table').locator('tbody tr').filter({ hasText: '学院门户网站' });
  await row.filter({ hasText: '第三级' }).waitFor();
  const listed = await call(s, 'GET', '/api/systems?unitId=cs', { as: OFFICE });
  expect(listed.body.items).toEqual([expect.objectContaining({ name: '学院门户网站', host: 'www.cs.example.edu.cn', important: true, cii: false, protectionLevel: 3, status: 'in_service' })]);

  // A sheet with a bad row (unknown unit, level 9): refused whole, the row named with its reasons.
  const count = async () => (await call(s, 'GET', '/api/systems?pageSize=100', { as: OFFICE })).body.total as number;
  const before = await count();
  const file = page.locator('input[type="file"][name="sheet"]');
  await file.setInputFiles({
    name: '台账-有误.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('单位,名称,地址,等保级别,重要,关基,联系人\ncs,教务系统,jw.example.edu.cn,3,是,是,张老师\nnope,财务系统,fin.example.edu.cn,9,否,否,王老师\n'),
  });
  await page.getByRole('button', { name: '导入', exact: true }).click();
  const refused = page.getByTestId('import-refused');
  await refused.waitFor();
  await page.getByRole('alert').filter({ hasText: '整表未导入' }).waitFor();
  expect(await refused.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-line')))).toEqual(['3']);
  const reasons = await refused.locator('tbody tr').innerText();
  expect(reasons).toContain('nope');
  expect(reasons).toContain('等保级别“9”');
  expect(await count()).toBe(before);
  await checkPage(page, 'systems-refused', false);

  // The corrected sheet imports: both rows, and they are in the list.
  await file.setInputFiles({
    name: '台账.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('\uFEFF单位,名称,地址,等保级别,重要,关基,联系人\ncs,教务系统,jw.example.edu.cn,3,是,是,张老师\nito,财务系统,fin.example.edu.cn,2,否,否,王老师\n'),
  });
  await page.getByRole('button', { name: '导入', exact: true }).click();
  await page.getByTestId('import-result').filter({ hasText: '已导入 2 行：新增 2，更新 0，未变 0。' }).waitFor();
  expect(await refused.count()).toBe(0);
  expect(await count()).toBe(before + 2);
  await page.getByTestId('system-table').locator('tbody tr').filter({ hasText: '财务系统' }).waitFor();

  // Filters live in the address.
  await pick(page, '关键信息基础设施', '是');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/cii=true/);
  const rows = page.getByTestId('system-table').locator('tbody tr');
  await rows.filter({ hasText: '教务系统' }).waitFor();
  await eventually(async () => (await rows.count()) === 1, 10000, 'only the CII system listed');
  await checkPage(page, 'systems', false);
  expect(problems).toEqual([]);
  await page.close();
});

test('from a phone the office records an incident the unit never reports: the reporting clock runs out, and closing it opens the 7(1) and 7(6) drafts', async () => {
  const page = await newPage(browser, PHONE);
  const problems = watch(page);
  await page.goto(`${base}/incidents/new`);
  await signIn(page, s, OFFICE, '陈静');
  await page.waitForURL(`${base}/incidents/new`);
  await page.getByRole('heading', { name: '记录网络安全事件', level: 1 }).waitFor();
  await pick(page, '单位', '计算机科学与技术学院');
  await page.getByLabel('事件名称', { exact: true }).fill('学院主页被篡改（监测发现）');
  await pick(page, '事件类型', '网页篡改（有害信息传播）');
  await page.getByLabel('影响范围和程度', { exact: true }).fill('首页出现有害信息，已被转发');
  // Found by monitoring: the office's default channel.
  await page.locator('.el-select').filter({ hasText: '监测发现' }).waitFor();
  await checkPage(page, 'incident-new');
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await page.waitForURL(/\/incidents\/T[0-9A-F]+-I\d{4}-\d{4}$/);
  const id = idFromUrl(page);
  await page.getByTestId('incident-status').filter({ hasText: '处置中' }).waitFor();

  // The reporting clock runs on the page, second by second, then runs out (red) — and the page
  // picks up what the workflow recorded at the deadline.
  const clockText = () => page.getByTestId('report-clock').innerText();
  expect(await clockText()).toMatch(/^还剩 \d+ 秒$/);
  const first = await page.getByTestId('since-detection').innerText();
  await eventually(async () => (await page.getByTestId('since-detection').innerText()) !== first, 5000, 'the clock since detection to move');
  await page.getByTestId('report-clock').filter({ hasText: /^已超时 .*尚未报告$/ }).waitFor({ timeout: 20000 });
  expect(await page.getByTestId('report-clock').getAttribute('class')).toContain('overdue-text');
  await page.getByTestId('timeline').locator('li[data-type="report_overdue"]').waitFor({ timeout: 15000 });
  expect(await page.getByTestId('firings').count()).toBe(0);
  await checkPage(page, 'incident-overdue');

  // The office closes it, never reported: the drafts appear on the page with their links.
  await page.getByRole('button', { name: '办结事件', exact: true }).first().click();
  await page.getByLabel('办结理由', { exact: true }).fill('单位始终未报告，已由办公室处置');
  await page.getByTestId('incident-actions').locator('form').filter({ hasText: '办结理由' }).getByRole('button', { name: '办结事件' }).click();
  await page.getByTestId('incident-status').filter({ hasText: '已办结' }).waitFor();
  const firings = page.getByTestId('firings');
  const deface = firings.locator('li[data-rule="defacement_late"]');
  const conceal = firings.locator('li[data-rule="concealment"]');
  await deface.getByRole('link', { name: /^查看问责建议草稿 / }).waitFor({ timeout: 30000 });
  await conceal.getByRole('link', { name: /^查看问责建议草稿 / }).waitFor({ timeout: 30000 });
  expect(await deface.innerText()).toContain('第七条第（一）项');
  expect(await conceal.innerText()).toContain('第七条第（六）项');
  expect(await page.getByTestId('report-clock').innerText()).toBe('始终未报告');
  const types = await page.getByTestId('timeline').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
  expect(types).toEqual(expect.arrayContaining(['recorded', 'report_overdue', 'closed', 'never_reported', 'trigger_fired']));
  await checkPage(page, 'incident-drafts');

  // The drafts, as the API has them; the link opens the draft's page.
  const link = deface.getByRole('link');
  const draftId = (await link.innerText()).replace('查看问责建议草稿 ', '');
  expect(await link.getAttribute('href')).toBe(`/accountability-proposals/${draftId}`);
  expect(await proposal(draftId)).toMatchObject({ status: 'draft', trigger: 'defacement_unhandled', unitId: 'cs', origin: { kind: 'trigger', rule: 'defacement_late', article: '7(1)', incidentIds: [id] } });
  const concealId = (await conceal.getByRole('link').innerText()).replace('查看问责建议草稿 ', '');
  expect(await proposal(concealId)).toMatchObject({ status: 'draft', trigger: 'concealment_or_unrectified', origin: { rule: 'concealment', article: '7(6)', incidentIds: [id] } });
  await link.click();
  await page.waitForURL(`${base}/accountability-proposals/${draftId}`);

  // The office's My work has both drafts, linking to the same pages.
  await page.goto(`${base}/`);
  const work = page.getByTestId('work');
  await work.locator(`li[data-kind="proposal"][data-id="${draftId}"]`).waitFor();
  expect(await work.locator(`li[data-id="${draftId}"] a`).getAttribute('href')).toBe(`/accountability-proposals/${draftId}`);
  await work.locator(`li[data-kind="proposal"][data-id="${concealId}"]`).waitFor();
  expect(problems).toEqual([]);
  await page.close();
});

test('from a phone a unit records a defacement detected minutes ago: the late report is on the page with its 7(1) draft; the list ticks without refetching', async () => {
  const page = await newPage(browser, PHONE);
  const problems = watch(page);
  await page.goto(`${base}/`);
  await signIn(page, s, LIAISON, '李娜');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '记录事件' }).click();
  await page.waitForURL(`${base}/incidents/new`);
  // The liaison acts for one unit: it is chosen; there is no channel to choose.
  await page.locator('.el-select').filter({ hasText: '计算机科学与技术学院' }).first().waitFor();
  expect(await page.getByLabel('获知渠道', { exact: true }).count()).toBe(0);
  await page.getByLabel('事件名称', { exact: true }).fill('学院主页被植入赌博链接');
  await pick(page, '事件类型', '网页篡改（有害信息传播）');
  await pick(page, '事件分级', '较大');
  await page.locator('input[name="detectedAt"]').fill(beijingLocal(3 * 60000));
  await page.getByLabel('影响范围和程度', { exact: true }).fill('首页被植入赌博链接约20分钟');
  await page.getByRole('button', { name: '提交', exact: true }).click();
  await page.waitForURL(/\/incidents\/T[0-9A-F]+-I\d{4}-\d{4}$/);
  const id = idFromUrl(page);
  // Recorded = reported, minutes after the window: late, red; the 7(1) draft follows.
  await page.getByTestId('report-clock').filter({ hasText: /^迟报 \d+ 分 \d\d 秒$/ }).waitFor();
  expect(await page.getByTestId('report-clock').getAttribute('class')).toContain('overdue-text');
  const deface = page.getByTestId('firings').locator('li[data-rule="defacement_late"]');
  await deface.waitFor({ timeout: 30000 });
  expect(await deface.innerText()).toContain('第七条第（一）项');
  // Proposals are for the university's roles: the unit sees the draft's number, not a link.
  expect(await deface.getByRole('link').count()).toBe(0);
  const fired = await call(s, 'GET', `/api/accountability-triggers?incidentId=${id}`, { as: OFFICE });
  expect(fired.body.items).toEqual([expect.objectContaining({ rule: 'defacement_late', incidentId: id })]);
  const draftId = fired.body.items[0].proposalId as string;
  expect(await deface.innerText()).toContain(draftId);
  expect(await proposal(draftId)).toMatchObject({ status: 'draft', trigger: 'defacement_unhandled', origin: { rule: 'defacement_late', article: '7(1)', incidentIds: [id] } });
  // The unit's actions now: containment, restoration, the closing report — not the office's.
  const actions = page.getByTestId('incident-actions');
  await actions.getByRole('heading', { name: '记录控制措施' }).waitFor();
  await actions.getByRole('heading', { name: '提交总结报告' }).waitFor();
  expect(await actions.getByRole('heading', { name: '审核总结报告' }).count()).toBe(0);
  expect(await actions.getByText('办结事件').count()).toBe(0);
  await actions.getByLabel('已采取的控制措施', { exact: true }).fill('已删除链接，关闭后台');
  await actions.getByRole('button', { name: '提交', exact: true }).first().click();
  await page.getByTestId('incident-status').filter({ hasText: '已控制' }).waitFor();
  // The closing report with its evidence, shown as its first round with the file's download button.
  const closing = actions.getByRole('form', { name: '提交总结报告' });
  await closing.getByLabel('处置情况', { exact: true }).fill('已恢复首页，排查后台弱口令');
  await closing.getByLabel('整改措施', { exact: true }).fill('更换口令，启用双因素认证');
  await closing.locator('input[type="file"][name="evidence"]').setInputFiles({ name: '处置报告.txt', mimeType: 'text/plain', buffer: Buffer.from('处置报告') });
  await closing.getByRole('button', { name: '提交', exact: true }).click();
  const round = page.locator('article').filter({ has: page.getByRole('heading', { name: /^第 1 次/ }) });
  await round.getByRole('button', { name: '下载 处置报告.txt', exact: true }).waitFor();
  expect(await round.innerText()).toContain('更换口令，启用双因素认证');
  await checkPage(page, 'incident-phone');

  // The list: the clock since detection ticks each second from the data loaded, with no request
  // for the list meanwhile.
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '网络安全事件' }).click();
  await page.waitForURL(`${base}/incidents`);
  const item = page.getByTestId('incident-list').locator(`li[data-id="${id}"]`);
  await item.waitFor();
  let listRequests = 0;
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/incidents') listRequests++;
  });
  const since = item.getByTestId('since-detection');
  const a = await since.innerText();
  await page.waitForTimeout(2100);
  const b = await since.innerText();
  expect(a).toMatch(/^\d+ 分 \d\d 秒$/);
  expect(b).not.toBe(a);
  expect(listRequests).toBe(0);
  expect(await item.getByTestId('report-clock').innerText()).toMatch(/^迟报 /);
  await checkPage(page, 'incidents');

  // Filters live in the address.
  await pick(page, '报告是否及时', '迟报或未报');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/late=true/);
  await item.waitFor();
  expect(problems).toEqual([]);
  await page.close();
});
