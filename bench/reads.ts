/**
 * `npm run bench:reads -- [--notices 100000] [--events 10] [--runs 200]`: reads at scale. Fills a
 * fresh database (PGlite in memory, or a schema of DATABASE_URL) with the demo organisation and
 * N notices with `--events` timeline events each, generated directly in SQL (generate_series;
 * units, severities, statuses and overdue spread evenly, issue times over a year; every row as
 * the projection holds it, state JSON of a realistic size), then times what the API runs for
 *   - the office's list (all units) with its `total` counted exactly (as before LIST_COUNT_CAP) and
 *     counted up to the cap (10,000, as the API does now), timed alternately in the same run; and
 *     filtered by unit, by status, by overdue (first page, 20);
 *   - a unit's list as its liaison sees it (unitIds = [the unit]);
 *   - a notice's detail (its row + its timeline);
 * p50/p95/p99 over --runs each, after a warm-up, and prints each query's plan (EXPLAIN ANALYZE).
 * The HTTP layer is not included (the action benchmark measures that).
 */
import path from 'node:path';
import type { Db } from '../db/client';
import { importOrg, loadOrgFile } from '../db/org';
import { DEFAULT_LIST_COUNT_CAP, getNotice, getTimeline, listNotices, type NoticeFilter } from '../db/notices';
import { generateNotices, header, num, openBenchDb, parseFlags, summary } from './lib';

/**
 * Wall time per run, and this process's CPU time per run: on a loaded machine the wall time is
 * mostly waiting for a core, while the CPU time is what the query costs here (all of it for PGlite,
 * which runs in this process; only the client's share for PostgreSQL).
 */
async function time(runs: number, fn: (i: number) => Promise<unknown>): Promise<{ wall: number[]; cpu: number[] }> {
  for (let i = 0; i < Math.min(20, runs); i++) await fn(i); // warm-up
  const r = { wall: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < runs; i++) await timeOnce(r, () => fn(i));
  return r;
}

async function timeOnce(into: { wall: number[]; cpu: number[] }, fn: () => Promise<unknown>): Promise<void> {
  const t = performance.now();
  const c = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(c);
  into.wall.push(performance.now() - t);
  into.cpu.push((d.user + d.system) / 1000);
}

/** Two ways of one query timed alternately, run by run, so a change in the machine's load falls on both alike. */
async function timeAlternately(runs: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[{ wall: number[]; cpu: number[] }, { wall: number[]; cpu: number[] }]> {
  for (let i = 0; i < Math.min(20, runs); i++) {
    await a(); // warm-up
    await b();
  }
  const ra = { wall: [] as number[], cpu: [] as number[] };
  const rb = { wall: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await timeOnce(ra, a);
      await timeOnce(rb, b);
    } else {
      await timeOnce(rb, b);
      await timeOnce(ra, a);
    }
  }
  return [ra, rb];
}

const report = (r: { wall: number[]; cpu: number[] }) => {
  const sorted = [...r.cpu].sort((a, b) => a - b);
  return `${summary(r.wall)}; CPU here p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms`;
};

async function plan(db: Db, sql: string, params: unknown[]): Promise<string> {
  const r = await db.query<Record<string, string>>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`, params);
  return r.rows.map((x) => `    ${Object.values(x)[0]}`).join('\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['notices', 'events', 'runs', 'plans']);
  const n = num(flags, 'notices', 100000);
  const events = num(flags, 'events', 10);
  const runs = num(flags, 'runs', 200);
  const bench = await openBenchDb();
  const { db, label } = bench;
  header(`reads at scale: ${n} notices, ${n * events} timeline events`, undefined, [`store:    ${label}`]);
  try {
    await importOrg(db, loadOrgFile(path.join(__dirname, '..', 'config', 'demo-org.yaml')), { source: 'bench' });
    const t = Date.now();
    await generateNotices(db, n, events);
    const counts = (await db.query<{ n: number; e: number }>('SELECT (SELECT count(*)::int FROM notices) AS n, (SELECT count(*)::int FROM notice_events) AS e')).rows[0];
    console.log(`generated ${counts.n} notices and ${counts.e} events in ${((Date.now() - t) / 1000).toFixed(1)} s (SQL generate_series, then ANALYZE)`);
    const unit = (await db.query<{ id: string }>("SELECT id FROM units WHERE id = 'cs'")).rows[0].id;
    const page = { page: 1, pageSize: 20 };
    // Before and after the count cap, alternately in the same run.
    const all: NoticeFilter = { unitIds: null, ...page };
    const [exact, capped] = await timeAlternately(runs, () => listNotices(db, all, { countCap: null }), () => listNotices(db, all));
    console.log(`list   ${'office, all units, exact total'.padEnd(34)} ${report(exact)}`);
    console.log(`list   ${`office, all units, total ≤ ${DEFAULT_LIST_COUNT_CAP}`.padEnd(34)} ${report(capped)}`);
    const cases: Array<[string, NoticeFilter]> = [
      ['office, unit = cs', { unitIds: null, unitId: unit, ...page }],
      ['office, status = rectifying', { unitIds: null, status: 'rectifying', ...page }],
      ['office, overdue', { unitIds: null, overdue: true, ...page }],
      ['office, unit = cs and overdue', { unitIds: null, unitId: unit, overdue: true, ...page }],
      ['liaison of cs (unitIds = [cs])', { unitIds: [unit], ...page }],
      ['office, all units, page 50', { unitIds: null, page: 50, pageSize: 20 }],
    ];
    for (const [what, f] of cases) console.log(`list   ${what.padEnd(34)} ${report(await time(runs, () => listNotices(db, f)))}`);
    const ids = (await db.query<{ id: string }>('SELECT id FROM notices ORDER BY random() LIMIT 500')).rows.map((r) => r.id);
    console.log(`detail ${'row + timeline (random notices)'.padEnd(34)} ${report(await time(runs, (i) => Promise.all([getNotice(db, ids[i % ids.length]), getTimeline(db, ids[i % ids.length])])))}`);
    if (flags.plans !== 'off') {
      const listSql = (w: string) => `SELECT n.id, n.unit_id, u.name, n.title, n.status FROM notices n JOIN units u ON u.id = n.unit_id ${w} ORDER BY n.issued_at DESC, n.id DESC LIMIT 20`;
      for (const [what, sql, params] of [
        ['list, all units', listSql(''), []],
        ['count, all units (exact)', 'SELECT count(*)::int FROM notices n', []],
        [`count, all units (up to ${DEFAULT_LIST_COUNT_CAP})`, `SELECT count(*)::int FROM (SELECT 1 FROM notices n LIMIT ${DEFAULT_LIST_COUNT_CAP + 1}) capped`, []],
        ['list, overdue', listSql('WHERE n.overdue IS NOT NULL'), []],
        ['count, overdue', 'SELECT count(*)::int FROM notices n WHERE n.overdue IS NOT NULL', []],
        ['list, unit', listSql('WHERE n.unit_id = ANY($1::text[])'), [[unit]]],
        ['list, status', listSql('WHERE n.status = $1'), ['rectifying']],
        ['timeline', 'SELECT e.seq, e.type, p.name FROM notice_events e LEFT JOIN people p ON p.id = e.actor_id WHERE e.notice_id = $1 ORDER BY e.seq', [ids[0]]],
      ] as Array<[string, string, unknown[]]>) {
        console.log(`plan: ${what}\n${await plan(db, sql, params)}`);
      }
    }
  } finally {
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
