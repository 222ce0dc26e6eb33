/**
 * The dashboard (/dashboard, 态势总览) in a real browser on the whole stack: notices made through the
 * API as people would — one left waiting, one gone overdue and escalated to level 1, one of another
 * unit, one reported and accepted — so every figure is known; the office's tables show exactly those
 * figures, each of the five charts has drawn on its canvas, the page passes axe and runs under the
 * CSP (a tooltip shown too). A supervising leader sees their unit's figures; a unit's liaison is
 * offered no dashboard, is refused on its address, and the API answers 403.
 */
import type { Browser, Page } from 'playwright-core';
import { CHAIN } from '../../domain/glossary';
import { beijingMonthStart, beijingWeeks, beijingWeekStart } from '../../domain/time';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { call, OFFICE, targets } from '../support/targets';
import { eventually } from '../support/wait';
import { axe, horizontalOverflow, launch, newPage, serve, SHOTS, signIn, signOut, watch } from '../support/browser';

let s: Stack;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
/** When the escalated notice went overdue, and when the accepted one closed (the week and month they count in). */
let overdueAt: number;
let closedAt: number;

beforeAll(async () => {
  s = await startStack({ policy: fastPolicy() });
  web = await serve(s);
  browser = await launch();
  const t = targets(s);
  // cs: a critical notice waiting for acknowledgement, and a high one whose acknowledgement deadline
  // passes (escalated to level 1); ito: a medium one; lib: a high one reported and accepted in time.
  const [, escalated, , accepted] = await Promise.all([
    t.notice('issued', 'cs', { severity: 'critical', title: '数据库弱口令（态势测试）' }),
    t.escalation('cs'),
    t.notice('issued', 'ito', { severity: 'medium', title: '网站证书即将过期（态势测试）' }),
    t.notice('under_review', 'lib'),
  ]);
  const review = await call(s, 'POST', `/api/notices/${accepted.id}/review`, { as: OFFICE, body: { decision: 'accept', comment: '整改到位' } });
  expect(review.status).toBe(200);
  const ev = await s.db.query<{ at: Date }>("SELECT at FROM notice_events WHERE notice_id = $1 AND type = 'overdue'", [escalated.noticeId]);
  expect(ev.rows.length).toBe(1);
  overdueAt = new Date(ev.rows[0].at).getTime();
  const closed = await s.db.query<{ closed_at: Date }>('SELECT closed_at FROM notices WHERE id = $1', [accepted.id]);
  closedAt = new Date(closed.rows[0].closed_at).getTime();
  // Nothing else in this database.
  expect((await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notices')).rows[0].n).toBe(4);
}, 180000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.shutdown();
});

/** The rows of the figure's table (header row first, then body and footer), as the cells' text. */
async function table(page: Page, figure: string): Promise<string[][]> {
  // A string: this project's TypeScript has no DOM types; it runs in the page.
  return page.evaluate<string[][]>(`(() => {
    const t = document.querySelector('[data-testid="${figure}"] table');
    return t ? [...t.rows].map((r) => [...r.cells].map((c) => (c.textContent || '').trim())) : [];
  })()`);
}

/** For each chart canvas of the page: its size and how many of its sampled pixels are painted. */
function canvases(page: Page): Promise<Array<{ w: number; h: number; painted: number }>> {
  return page.evaluate(`[...document.querySelectorAll('[data-testid="chart"] canvas')].map((c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < px.length; i += 4 * 16) if (px[i] !== 0) painted++;
    return { w: c.width, h: c.height, painted };
  })`);
}

test('the office sees the figures of this run in tables and charts', async () => {
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${web.base}/`);
  await signIn(page, s, OFFICE, '陈静');
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '态势总览' }).click();
  await page.waitForURL(`${web.base}/dashboard`);
  await page.getByRole('heading', { name: '态势总览', level: 1 }).waitFor();
  await page.getByTestId('fig-closed').locator('tbody tr').first().waitFor();

  // Open: cs — critical 1 (waiting), high 1 (escalated); ito — medium 1. The accepted one is closed.
  expect(await table(page, 'fig-open')).toEqual([
    ['单位', '紧急', '高危', '中危', '低危', '合计'],
    ['计算机科学与技术学院', '1', '1', '0', '0', '2'],
    ['信息化处', '0', '0', '1', '0', '1'],
    ['合计', '1', '1', '1', '0', '3'],
  ]);

  // Overdue: one acknowledgement deadline missed, in this Beijing week; the eleven weeks before none.
  const weeks = beijingWeeks(Date.now(), 12);
  expect(weeks.at(-1)!.label).toBe(new Date(beijingWeekStart(overdueAt) + 8 * 3600000).toISOString().slice(0, 10));
  expect(await table(page, 'fig-overdue')).toEqual([
    ['周（起始日）', '逾期签收', '逾期整改', '合计'],
    ...weeks.map((w, i) => (i === 11 ? [w.label, '1', '0', '1'] : [w.label, '0', '0', '0'])),
  ]);

  // Escalations: the one at level 1.
  expect(await table(page, 'fig-escalations')).toEqual([
    ['层级', '数量'],
    ...CHAIN.map((c) => [`第 ${c.level} 级 · ${c.zh}`, c.level === 1 ? '1' : '0']),
    ['尚无领导受理（各层级空缺）', '0'],
    ['合计', '1'],
  ]);

  // On time: the library's notice, accepted well before its deadline.
  expect(await table(page, 'fig-ontime')).toEqual([
    ['单位', '办结', '按期', '按期率'],
    ['图书馆', '1', '1', '100.0%'],
    ['合计', '1', '1', '100.0%'],
  ]);

  // Closed: one, in this Beijing month; the eleven months before none.
  const month = new Date(beijingMonthStart(closedAt) + 8 * 3600000).toISOString().slice(0, 7);
  const closedRows = await table(page, 'fig-closed');
  expect(closedRows.length).toBe(13);
  expect(closedRows.at(-1)).toEqual([month, '1']);
  expect(closedRows.slice(1, -1).every((r) => r[1] === '0')).toBe(true);

  // Five charts, each drawn (a canvas with painted pixels), hidden from assistive technology.
  await eventually(async () => (await canvases(page)).filter((c) => c.w > 0 && c.h > 0 && c.painted > 50).length === 5, 10000, 'five drawn charts');
  expect(await page.locator('[data-testid="chart"][aria-hidden="true"]').count()).toBe(5);
  // A tooltip (drawn on the canvas: ECharts' HTML tooltip would write inline styles the CSP refuses).
  const drawn = () => page.evaluate<string>(`document.querySelector('[data-testid="fig-escalations"] [data-testid="chart"] canvas').toDataURL()`);
  const before = await drawn();
  const chart = page.getByTestId('fig-escalations').getByTestId('chart');
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.6, { steps: 3 });
  await eventually(async () => (await drawn()) !== before, 10000, 'the tooltip and axis pointer to be drawn');

  await chart.screenshot({ path: `${SHOTS}/cyberduty-ui-dashboard-tooltip.png` });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-dashboard.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);

  // English: the same figures under English headings.
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  expect((await table(page, 'fig-ontime'))[1]).toEqual(['Library', '1', '1', '100.0%']);
  await page.getByRole('button', { name: '切换到中文' }).click();
  await page.getByRole('heading', { name: '态势总览', level: 1 }).waitFor();

  // 390 px wide: the page does not scroll sideways (a wide table scrolls inside its own box).
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  expect(await horizontalOverflow(page)).toBe(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-dashboard-390.png`, fullPage: true });

  // One unit, from the address.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${web.base}/dashboard?unitId=ito`);
  await page.getByTestId('fig-open').locator('tbody tr').first().waitFor();
  await eventually(async () => (await table(page, 'fig-open')).length === 3, 10000, 'the ito figures');
  expect((await table(page, 'fig-open')).slice(1)).toEqual([
    ['信息化处', '0', '0', '1', '0', '1'],
    ['合计', '0', '0', '1', '0', '1'],
  ]);
  expect(problems).toEqual([]);
  await page.close();
});

test('a supervising leader sees their units; a unit liaison is offered no dashboard and is refused', async () => {
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${web.base}/dashboard`);
  await signIn(page, s, 'p-zhou-wenbin', '周文斌');
  await page.waitForURL(`${web.base}/dashboard`);
  await page.getByTestId('fig-open').locator('tbody tr').first().waitFor();
  expect((await table(page, 'fig-open')).slice(1)).toEqual([
    ['计算机科学与技术学院', '1', '1', '0', '0', '2'],
    ['合计', '1', '1', '0', '0', '2'],
  ]);
  expect((await table(page, 'fig-ontime')).slice(1)).toEqual([['暂无数据'], ['合计', '0', '0', '—']]);
  await signOut(page);

  await signIn(page, s, 'p-li-na', '李娜');
  const nav = page.getByRole('navigation', { name: '主导航' });
  await nav.getByRole('link', { name: '我的待办' }).waitFor();
  expect(await nav.getByRole('link', { name: '态势总览' }).count()).toBe(0);
  await page.goto(`${web.base}/dashboard`);
  await page.getByRole('alert').filter({ hasText: '态势总览仅供领导小组办公室、校领导及监督部门查看' }).waitFor();
  expect(await page.locator('[data-testid="chart"]').count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-dashboard-refused.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);
  for (const p of ['open-notices', 'overdue-weekly', 'escalations', 'on-time', 'closed-monthly']) {
    const r = await call(s, 'GET', `/api/stats/${p}`, { as: 'p-li-na' });
    expect([p, r.status]).toEqual([p, 403]);
  }
  expect(problems).toEqual([]);
  await page.close();
});
