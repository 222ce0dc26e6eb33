/**
 * The notice list in a real browser when the API counts the total only up to its cap
 * (LIST_COUNT_CAP; 2 here instead of 10,000): it says "n+" — the cap, or the rows up to and on the
 * page when there are more ("共 4+ 条" / "4+ notices" above four rows; "共 2+ 条" on an empty page
 * past the end) — and its pager reaches the page the address names; below the cap it says the
 * exact number. At 390 px the page does not scroll
 * sideways. axe, a screenshot, no CSP report or page error.
 */
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '../support/stack';
import { axe, horizontalOverflow, launch, newPage, serve, SHOTS, signIn, watch } from '../support/browser';

const OFFICE = 'p-chen-jing';

let s: Stack;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  s = await startStack({ listCountCap: 2 });
  for (const [i, unitId] of ['cs', 'cs', 'cs', 'ito'].entries()) {
    const r = await s.as(OFFICE).post('/api/notices', { unitId, title: `列表上限 ${i}`, category: 'vulnerability', severity: 'high', description: 'cap' });
    expect(r.status).toBe(201);
  }
  web = await serve(s);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await s?.shutdown();
});

test('above the cap the list says "n+", never fewer than its rows, and pages on; below it the exact number', async () => {
  const page = await newPage(browser);
  const problems = watch(page);
  await page.goto(`${web.base}/notices`);
  await signIn(page, s, OFFICE, '陈静');
  await page.goto(`${web.base}/notices`);
  await page.getByRole('heading', { name: '通知', level: 1 }).waitFor();
  const total = page.getByTestId('notice-total');
  await total.filter({ hasText: '共 4+ 条' }).waitFor();
  expect(await page.getByTestId('notice-table').locator('tbody tr').count()).toBe(4);
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-notice-list.png`, fullPage: true });
  expect(await axe(page)).toEqual([]);

  // A page past the counted ones stays where the address says (the pager does not pull it back).
  await page.goto(`${web.base}/notices?page=3`);
  await total.filter({ hasText: '共 2+ 条' }).waitFor();
  await page.locator('.el-pager li.is-active').filter({ hasText: '3' }).waitFor();
  expect(page.url()).toBe(`${web.base}/notices?page=3`);

  // One unit's notices: fewer than the cap, counted exactly.
  await page.goto(`${web.base}/notices?unitId=ito`);
  await total.filter({ hasText: '共 1 条' }).waitFor();
  expect(await page.getByTestId('notice-table').locator('tbody tr').count()).toBe(1);

  // In English.
  await page.goto(`${web.base}/notices`);
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await total.filter({ hasText: '4+ notices' }).waitFor();
  expect(problems).toEqual([]);
  await page.close();
});

test('at 390 px the list does not scroll sideways', async () => {
  const page = await newPage(browser, { width: 390, height: 844 });
  const problems = watch(page);
  await page.goto(`${web.base}/notices`);
  await signIn(page, s, OFFICE, '陈静');
  await page.goto(`${web.base}/notices`);
  await page.getByTestId('notice-total').filter({ hasText: '共 4+ 条' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/cyberduty-ui-notice-list-390.png`, fullPage: true });
  expect(await horizontalOverflow(page)).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});
