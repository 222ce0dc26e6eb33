/**
 * `npm run bench:reads -- [--notices 100000] [--events 10] [--runs 200]`: reads at scale. Fills a
 * fresh database (PGlite in memory, or a schema of DATABASE_URL) with the demo organisation and
 * N notices with `--events` timeline events each, generated directly in SQL (generate_series;
 * units, severities, statuses and overdue spread evenly, issue times over a year; every row as
 * the projection holds it, state JSON of a realistic size), then times what the API runs for
 *   - the office's list (all units), and filtered by unit, by status, by overdue (first page, 20);
 *   - a unit's list as its liaison sees it (unitIds = [the unit]);
 *   - a notice's detail (its row + its timeline);
 * p50/p95/p99 over --runs each, after a warm-up, and prints each query's plan (EXPLAIN ANALYZE).
 * The HTTP layer is not included (the action benchmark measures that).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { openDb, type Db } from '../db/client';
import { migrate } from '../db/migrate';
import { importOrg, loadOrgFile } from '../db/org';
import { getNotice, getTimeline, listNotices, type NoticeFilter } from '../db/notices';
import { header, num, parseFlags, summary } from './lib';

async function openBenchDb(): Promise<{ db: Db; label: string; drop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
    const db = await openDb({ databaseUrl: process.env.DATABASE_URL, schema });
    await migrate(db);
    return { db, label: `PostgreSQL, schema ${schema}`, drop: async () => void (await db.query(`DROP SCHEMA ${schema} CASCADE`)) };
  }
  const db = await openDb({});
  await migrate(db);
  return { db, label: 'PGlite in memory', drop: () => Promise.resolve() };
}

async function generate(db: Db, n: number, events: number): Promise<void> {
  const units = (await db.query<{ id: string }>('SELECT id FROM units ORDER BY id')).rows.map((r) => r.id);
  const pad = 'x'.repeat(600);
  // Statuses as a running system has them: most closed, some open, a few overdue.
  await db.query(
    `INSERT INTO notices (id, workflow_id, unit_id, title, category, severity, status, overdue,
       acknowledge_by, rectify_by, issued_by, issued_at, closed_at, version, state, updated_at)
     SELECT 'B-' || lpad(g::text, 7, '0'), 'notice-B-' || lpad(g::text, 7, '0'),
            ($1::text[])[1 + g % array_length($1::text[], 1)],
            '门户网站漏洞整改 ' || g,
            (ARRAY['vulnerability','outage','content','other'])[1 + g % 4],
            (ARRAY['critical','high','medium','low'])[1 + (g / 7) % 4],
            st.status,
            CASE WHEN st.status IN ('issued','rectifying') AND g % 3 = 0 THEN (CASE WHEN st.status = 'issued' THEN 'acknowledge' ELSE 'rectify' END) END,
            t.issued + interval '1 day', t.issued + interval '7 days', 'p-chen-jing', t.issued,
            CASE WHEN st.status IN ('closed','withdrawn') THEN t.issued + interval '6 days' END,
            $3::int,
            jsonb_build_object('id', 'B-' || g, 'title', '门户网站漏洞整改 ' || g, 'description', $2::text,
              'status', st.status, 'rectifications', '[]'::jsonb, 'extensions', '[]'::jsonb, 'escalations', '[]'::jsonb,
              'remindersSent', '[]'::jsonb, 'assets', jsonb_build_array('https://news.example.edu.cn/news.php')),
            t.issued + interval '6 days'
     FROM generate_series(1, $4::int) g
     CROSS JOIN LATERAL (SELECT timestamptz '2025-12-01 00:00+08' + (g::float8 / $4::int) * interval '365 days' AS issued) t
     CROSS JOIN LATERAL (SELECT (ARRAY['closed','closed','closed','closed','closed','closed','rectifying','under_review','issued','withdrawn'])[1 + g % 10] AS status) st`,
    [units, pad, events, n],
  );
  const types = ['issued', 'acknowledged', 'reminder_sent', 'rectification_submitted', 'review_rejected', 'rectification_submitted', 'review_accepted', 'reminder_sent', 'overdue', 'escalated'];
  // In slices, so PGlite's single WASM heap is not asked for 1,000,000 rows at once.
  const slice = 20000;
  for (let from = 1; from <= n; from += slice) {
    await db.query(
      `INSERT INTO notice_events (notice_id, seq, type, actor_id, at, data)
       SELECT n.id, s, ($1::text[])[1 + (s - 1) % array_length($1::text[], 1)], CASE WHEN s % 2 = 0 THEN 'p-li-na' ELSE 'p-chen-jing' END,
              n.issued_at + s * interval '1 hour', jsonb_build_object('deadline', 'rectify', 'due', n.rectify_by)
       FROM notices n CROSS JOIN generate_series(1, $2::int) s
       WHERE n.id BETWEEN 'B-' || lpad($3::text, 7, '0') AND 'B-' || lpad($4::text, 7, '0')`,
      [types, events, from, Math.min(n, from + slice - 1)],
    );
  }
  // As autovacuum would leave it: statistics and the visibility map (index-only counts).
  await db.query('VACUUM ANALYZE notices');
  await db.query('VACUUM ANALYZE notice_events');
}

/**
 * Wall time per run, and this process's CPU time per run: on a loaded machine the wall time is
 * mostly waiting for a core, while the CPU time is what the query costs here (all of it for PGlite,
 * which runs in this process; only the client's share for PostgreSQL).
 */
async function time(runs: number, fn: (i: number) => Promise<unknown>): Promise<{ wall: number[]; cpu: number[] }> {
  for (let i = 0; i < Math.min(20, runs); i++) await fn(i); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await fn(i);
    const d = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall, cpu };
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
    await generate(db, n, events);
    const counts = (await db.query<{ n: number; e: number }>('SELECT (SELECT count(*)::int FROM notices) AS n, (SELECT count(*)::int FROM notice_events) AS e')).rows[0];
    console.log(`generated ${counts.n} notices and ${counts.e} events in ${((Date.now() - t) / 1000).toFixed(1)} s (SQL generate_series, then ANALYZE)`);
    const unit = (await db.query<{ id: string }>("SELECT id FROM units WHERE id = 'cs'")).rows[0].id;
    const page = { page: 1, pageSize: 20 };
    const cases: Array<[string, NoticeFilter]> = [
      ['office, all units', { unitIds: null, ...page }],
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
        ['count, all units', 'SELECT count(*)::int FROM notices n', []],
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
