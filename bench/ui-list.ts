/**
 * `npm run bench:ui-list -- [--notices 10000] [--baseline 20] [--events 10] [--runs 10]`: the web
 * UI's notice list in Chromium with many notices in the database (issue 9's target: the first page
 * in under 1 s with 10,000). Fills a fresh database (PGlite in memory, or a schema of DATABASE_URL)
 * with the demo organisation and `--baseline` notices generated in SQL as bench/reads.ts does, serves
 * the app (the express app `npm start` serves, web UI built if stale; no Temporal server: the list
 * only reads the database), signs in as the office (陈静) and opens /notices `--runs` times, then
 * adds notices up to `--notices` and does the same. Each run is a full navigation (a new document):
 * the time is from the navigation's start to the frame after the first page's rows are in the table
 * and laid out (performance.now() in the page, so the browser's own clock: HTML, scripts, the API
 * calls — session, me, units, notices — Vue and Element Plus rendering), with the browser's cache
 * (a repeat visit) and without it (Chrome DevTools' cache switch: a first visit). Printed with
 * p50 and max beside the baseline, with the GET /api/notices part as the browser timed it.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { createApp, type AppDeps } from '../api/app';
import { createTokenService } from '../api/auth';
import { importOrg, loadOrgFile } from '../db/org';
import { ensureWebBuild } from '../scripts/web-build';
import { launch, newPage, signIn } from '../test/support/browser';
import type { Stack } from '../test/support/stack';
import { fmtMs, generateNotices, header, num, openBenchDb, parseFlags, percentile } from './lib';

/** Records, in the page, when the expected number of rows is in the notice table and painted. */
const PROBE = `(() => {
  const want = Number(localStorage.getItem('bench.rows') || '20');
  const done = () => {
    const rows = document.querySelectorAll('[data-testid="notice-table"] .el-table__body tbody tr');
    if (rows.length < want || !rows[0].textContent || rows[0].getBoundingClientRect().height === 0) return false;
    window.__rowsAt = performance.now();
    requestAnimationFrame(() => setTimeout(() => { window.__paintedAt = performance.now(); }, 0));
    return true;
  };
  new MutationObserver((_, obs) => { if (done()) obs.disconnect(); }).observe(document, { childList: true, subtree: true, characterData: true });
})();`;

interface Run {
  painted: number;
  wall: number;
  api: number;
}

async function runs(page: Page, url: string, rows: number, n: number): Promise<Run[]> {
  await page.evaluate(`localStorage.setItem('bench.rows', '${rows}')`);
  const out: Run[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    // Polled through DevTools (page.waitForFunction evaluates a string inside the page, which its CSP refuses).
    for (const until = Date.now() + 30000; await page.evaluate<boolean>('window.__paintedAt === undefined'); ) {
      if (Date.now() > until) throw new Error(`${url}: no rows after 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const wall = performance.now() - t;
    const r = await page.evaluate<{ painted: number; api: number }>(`({
      painted: window.__paintedAt,
      api: (performance.getEntriesByType('resource').find((e) => e.name.includes('/api/notices?')) || { duration: NaN }).duration,
    })`);
    out.push({ ...r, wall });
  }
  return out;
}

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${fmtMs(percentile(s, 50)).padStart(7)} · max ${fmtMs(s.at(-1) ?? NaN).padStart(7)}`;
};

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['notices', 'baseline', 'events', 'runs']);
  const n = num(flags, 'notices', 10000);
  const baseline = num(flags, 'baseline', 20);
  const events = num(flags, 'events', 10);
  const runCount = num(flags, 'runs', 10);
  if (baseline < 1 || baseline >= n) throw new Error('--baseline must be at least 1 and below --notices');
  ensureWebBuild({ log: (l) => console.log(l) });

  const bench = await openBenchDb();
  const { db } = bench;
  const tokens = createTokenService({ embeddedKey: crypto.randomBytes(32) });
  const app = createApp({
    db,
    temporal: {},
    taskQueue: 'bench-ui',
    policy: {},
    calendar: {},
    tokens,
    logger: pino({ level: 'silent' }),
    evidenceMaxBytes: 1024,
    limits: { perPersonPerMinute: 1_000_000, authFailuresPer15Min: 1_000_000, corsOrigins: [] },
    signIn: { publicUrl: 'http://127.0.0.1', idleTimeoutSec: 1800, absoluteTimeoutSec: 8 * 3600, embedded: true },
  } as unknown as AppDeps);
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launch();
  try {
    header(`web UI: the notice list's first page, ${n} notices beside ${baseline}`, undefined, [
      `store:    ${bench.label}; the app in this process, Chromium ${browser.version()} headless (${runCount} runs each)`,
    ]);
    await importOrg(db, loadOrgFile(path.join(__dirname, '..', 'config', 'demo-org.yaml')), { source: 'bench' });
    const page = await newPage(browser);
    await page.addInitScript(PROBE);
    await page.goto(`${base}/`);
    await signIn(page, { tokens } as unknown as Stack, 'p-chen-jing', '陈静');
    const cdp = await page.context().newCDPSession(page);

    const measure = async (count: number) => {
      const rows = Math.min(20, count);
      // The first visit to the list in this browser session, then repeat visits, then without any cache.
      const [first] = await runs(page, `${base}/notices`, rows, 1);
      const warm = await runs(page, `${base}/notices`, rows, runCount);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      const cold = await runs(page, `${base}/notices`, rows, runCount);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
      console.log(`${String(count).padStart(7)} notices, first visit:     rows on screen ${fmtMs(first.painted).padStart(7)}; GET /api/notices ${fmtMs(first.api)}`);
      for (const [what, rs] of [
        ['browser cache', warm],
        ['no cache', cold],
      ] as const) {
        console.log(
          `${String(count).padStart(7)} notices, ${what.padEnd(14)} rows on screen ${stat(rs.map((r) => r.painted))}   (wall, goto → rows: ${stat(rs.map((r) => r.wall))}; GET /api/notices ${stat(rs.map((r) => r.api))})`,
        );
      }
    };

    let t = Date.now();
    await generateNotices(db, baseline, events);
    console.log(`generated ${baseline} notices in ${Date.now() - t} ms`);
    await measure(baseline);
    t = Date.now();
    await generateNotices(db, n, events, baseline + 1);
    const total = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notices')).rows[0].n;
    console.log(`generated up to ${total} notices (${total * events} events) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    await measure(total);
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.close(() => r()));
    await bench.drop();
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
