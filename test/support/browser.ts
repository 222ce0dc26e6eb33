/**
 * Browser-test helpers: Debian's Chromium through playwright-core, a stack served on a loopback
 * port, sign-in as a person, Element Plus controls driven as a person would (labels, options),
 * CSP violations and page errors collected, and axe-core's serious/critical findings.
 *
 * Chromium: `apt-get install -y chromium` (CI does it in .ci/run). `npx playwright install` cannot
 * download browsers on these machines.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import type { FailureHookGlobal } from './failure-hook';
import type { Stack } from './stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp';

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}, so the browser tests cannot run. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (Debian), or set CHROMIUM_PATH to a Chromium binary. ' +
        '(`npx playwright install` cannot download browsers on these machines.)',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * What each open page did last — its API requests and their answers, its navigations, console
 * errors and warnings, page errors — kept so that a failing test can say what the page saw
 * (test/support/environment.ts calls `__onTestFailure`, registered below, while the pages are open).
 */
const trails = new Map<Page, string[]>();
const TRAIL_LINES = 200;

function trail(page: Page, line: string): void {
  const lines = trails.get(page);
  if (!lines) return;
  lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  if (lines.length > TRAIL_LINES) lines.shift();
}

function follow(page: Page): void {
  trails.set(page, []);
  const apiPath = (u: string) => {
    const url = new URL(u);
    return url.pathname.startsWith('/api/') ? `${url.pathname}${url.search}` : null;
  };
  page.on('request', (r) => {
    const p = apiPath(r.url());
    if (!p) return;
    // Bodies of edits only, never of sign-in (tokens, passwords).
    const body = r.method() !== 'GET' && !p.startsWith('/api/auth') ? ` ${(r.postData() ?? '').slice(0, 300)}` : '';
    trail(page, `> ${r.method()} ${p}${body}`);
  });
  page.on('response', (r) => {
    const p = apiPath(r.url());
    if (p) trail(page, `< ${r.status()} ${r.request().method()} ${p}`);
  });
  page.on('requestfailed', (r) => trail(page, `x ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) trail(page, `nav ${f.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') trail(page, `console.${m.type()} ${m.text().slice(0, 500)}`);
  });
  page.on('pageerror', (err) => trail(page, `pageerror ${err.message}`));
  page.on('close', () => trails.delete(page));
}

/** A failing test's report: per open page, its address, the text it shows, a screenshot and its trail. */
async function reportPages(testName: string): Promise<void> {
  let n = 0;
  for (const [page, lines] of trails) {
    n += 1;
    const shot = `${SHOTS}/failure-${process.pid}-${Date.now()}-${n}.png`;
    const saved = await page.screenshot({ path: shot, fullPage: true, timeout: 5000 }).then(
      () => shot,
      () => 'none',
    );
    const text = await page
      .locator('body')
      .innerText({ timeout: 5000 })
      .then((t) => t.slice(0, 3000))
      .catch((err: unknown) => `(unreadable: ${err instanceof Error ? err.message : String(err)})`);
    console.error(
      `Browser page ${n} when "${testName}" failed: ${page.url()}\nscreenshot: ${saved}\n--- shown ---\n${text}\n--- last ${lines.length} steps ---\n${lines.join('\n')}`,
    );
  }
}
(globalThis as FailureHookGlobal).__onTestFailure = reportPages;

/** A page in a context of its own (axe-core needs one made with browser.newContext()); followed for a failure's report. */
export async function newPage(browser: Browser, opts: { width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  follow(page);
  page.on('close', () => {
    context.close().catch(() => undefined);
  });
  return page;
}

export async function serve(s: Stack): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer(s.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Page errors and CSP violations fail the test: the app must run under its own CSP. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`csp: ${msg.text()}`);
  });
  return problems;
}

/**
 * Signs in on /signin: with the demo people's buttons where the server offers the dev sign-in, else
 * with a token pasted into the form (servers without session sign-in).
 */
export async function signIn(page: Page, s: Stack, personId: string, name: string): Promise<void> {
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
  const devButton = page.getByRole('button', { name: `以 ${name} 身份登录` });
  const tokenBox = page.getByLabel('身份令牌（Bearer token）');
  await devButton.or(tokenBox).first().waitFor();
  if (await devButton.count()) {
    // A person with several roles is listed under each: any of their buttons signs them in.
    await devButton.first().click();
  } else {
    await tokenBox.fill(await s.tokens.sign(personId));
    await page.getByRole('button', { name: '登录', exact: true }).click();
  }
  await page.getByTestId('me-name').filter({ hasText: name }).waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: '退出', exact: true }).click();
  await page.getByRole('heading', { name: '登录', level: 1 }).waitFor();
}

/** Chooses `option` in the Element Plus select labelled `label`. */
export async function pick(page: Page, label: string, option: string): Promise<void> {
  // The select's placeholder lies over its input; a forced click lands on the select, which opens.
  const dropdown = page.locator('.el-select-dropdown:visible');
  const wanted = dropdown.getByRole('option', { name: option, exact: true });
  // A click that lands while the page re-renders may not open it (a CI run waited 30 s for an
  // option that never showed): open again, but only while no dropdown is showing.
  for (let attempt = 1; ; attempt++) {
    if ((await dropdown.count()) === 0) await page.getByLabel(label, { exact: true }).click({ force: true });
    try {
      await wanted.first().waitFor({ timeout: 8000 });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  // Closed again (its transition ended) before the next control is used. A click that lands while
  // the dropdown is still coming in may be lost (a CI run saw it stay open for 30 s): click again.
  // (A locator, not a waitForFunction string: the page's CSP refuses the eval a string predicate
  // needs as soon as it has to poll, so a dropdown still fading out failed the test.)
  const open = page.locator('.el-popper:visible').filter({ has: page.locator('.el-select-dropdown') }).first();
  for (let attempt = 1; ; attempt++) {
    if (await wanted.count()) await wanted.first().click({ timeout: 5000 }).catch(() => undefined);
    try {
      await open.waitFor({ state: 'hidden', timeout: 8000 });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/** Chooses the Element Plus radio (or radio button) with this text. */
export async function radio(page: Page, text: string): Promise<void> {
  await page.locator('label.el-radio, label.el-radio-button').filter({ hasText: new RegExp(`^\\s*${text.replace(/[()（）]/g, '\\$&')}\\s*$`) }).click();
}

/** Types a date into the Element Plus date picker whose input has this name. */
export async function fillDate(page: Page, name: string, date: string): Promise<void> {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(date);
  await input.press('Enter');
  // The panel should close on Enter; Element Plus may still hold it open (aria-hidden="false",
  // an unnamed dialog to axe: CI runs failed aria-dialog-name on it), so Escape closes it.
  const open = page.locator('.el-popper[role="dialog"][aria-hidden="false"]');
  for (let attempt = 1; (await open.count()) > 0; attempt++) {
    if (attempt > 3) throw new Error(`the date panel of ${name} does not close`);
    await input.press('Escape');
    await open.first().waitFor({ state: 'detached', timeout: 3000 }).catch(() => undefined);
  }
  await input.blur();
  await page.locator('.el-picker__popper:visible').first().waitFor({ state: 'hidden' });
}

/** "YYYY-MM-DD" in Beijing, `days` from today. */
export function beijingDate(days: number): string {
  return new Date(Date.now() + 8 * 3600000 + days * 86400000).toISOString().slice(0, 10);
}

/** axe-core's serious and critical findings on the page as it is now (none expected). */
export async function axe(page: Page): Promise<string[]> {
  // Element Plus fades tags and lists in: mid-transition their text is semi-transparent, and axe
  // measures that colour (a CI run failed color-contrast on an .el-tag fading in). Settle first.
  await page.evaluate(`(() => {
    for (const a of document.getAnimations()) { try { a.finish(); } catch { /* infinite: leave it */ } }
  })()`);
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the page scrolls sideways (0 when everything fits). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
}

/**
 * On a phone the main navigation is one row that scrolls sideways, with the current screen's link
 * in view: its height (one row, not the three lines it used to wrap to) and whether that link lies
 * inside the row's visible width.
 */
export async function phoneNav(page: Page): Promise<{ height: number; activeInView: boolean }> {
  const nav = page.getByRole('navigation', { name: '主导航' });
  const row = (await nav.locator('ul').boundingBox())!;
  const link = (await nav.locator('a[aria-current="page"]').first().boundingBox())!;
  return { height: row.height, activeInView: link.x >= row.x - 1 && link.x + link.width <= row.x + row.width + 1 };
}

/** The top bar's height in pixels (on a phone: two lines, the name and roles on one). */
export async function topBarHeight(page: Page): Promise<number> {
  return (await page.locator('header.topbar').boundingBox())!.height;
}

/** An element's computed background colour, as the browser gives it (`rgb(r, g, b)`). */
export async function backgroundOf(locator: Locator): Promise<string> {
  // The tests are compiled without the DOM's types; in the page, getComputedStyle is the window's.
  type InPage = { getComputedStyle(el: unknown): { backgroundColor: string } };
  return locator.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor);
}

/** The main navigation's current link (its text), or null when none is marked. */
export async function currentNavLink(page: Page): Promise<string | null> {
  const links = page.getByRole('navigation', { name: '主导航' }).locator('a[aria-current="page"]');
  const n = await links.count();
  if (n > 1) throw new Error(`${n} navigation links are marked current`);
  return n === 1 ? (await links.textContent())!.trim() : null;
}
