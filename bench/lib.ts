/**
 * What the workflow benchmarks share: flags, the Temporal server under test (a file-backed CLI dev
 * server with the SDK CI's SQLite pragmas, started here, or a running server such as
 * `npm run temporal:pg`), the whole cyberduty stack on it (test/support/stack: real worker,
 * database, API, dispatcher), a worker for the bare baselines, percentiles, and the report header
 * (machine, server, date) every benchmark prints.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { openDb, type Db } from '../db/client';
import { migrate } from '../db/migrate';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { findTemporalCli, freePort, startDevServer, type DevServer, type DevServerOptions } from '../scripts/temporal-cli';
import { dropDatabases, findServerBinaries, settingsFromEnv, setupSchemas, startPgServer, stopPgServer } from '../scripts/temporal-pg';
import { devServerSearchAttributeArgs } from '../workflows/search-attributes';
import { waitForNamespace } from '../worker/temporal';
import type { Policy } from '../domain/policy';
import type { Stack } from '../test/support/stack';

export type Flags = Record<string, string | boolean>;

/** `--n 100 --server pg --flag` → { n: '100', server: 'pg', flag: true }. */
export function parseFlags(argv: string[], allowed: string[]): Flags {
  const out: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split('=');
    if (!allowed.includes(k)) throw new Error(`unknown flag --${k} (use ${allowed.map((x) => `--${x}`).join(', ')})`);
    if (inline !== undefined) out[k] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out[k] = argv[++i];
    else out[k] = true;
  }
  return out;
}

export function num(flags: Flags, k: string, dflt: number): number {
  const v = flags[k];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${k}: not a number: ${String(v)}`);
  return n;
}

export const SERVER_FLAGS = ['server', 'address'];

export interface TemporalUnderTest {
  address: string;
  label: string;
  stop(): Promise<void>;
  /**
   * Stops the server keeping its state, and starts it again on the same state and port (the
   * catch-up benchmark); absent for a server this run did not start (`--server pg`).
   */
  halt?(): Promise<void>;
  resume?(): Promise<void>;
}

/**
 * `--server dev` (default): a CLI dev server started here, file-backed (as `npm start` runs it)
 * with the pragmas the SDK's own CI uses (journal_mode=WAL, synchronous=OFF). `--server pg`: the
 * running Temporal server on PostgreSQL at `--address` (default TEMPORAL_ADDRESS or
 * 127.0.0.1:7233), e.g. from `npm run temporal:pg`. `--server pg-private`: a Temporal server on
 * PostgreSQL of this run's own (the binaries `npm run temporal:pg` built; never builds them), on
 * BENCH_PG_PORT (7433) and BENCH_PG_PORT_BASE (7450…7458), databases `cyberduty_temporal_bench`
 * and `…_visibility` created fresh and dropped at the end — one the run may stop and start again.
 * Neither builds the Temporal CLI or server: they must be there.
 */
export async function temporalUnderTest(flags: Flags): Promise<TemporalUnderTest> {
  // The SDK's own log at ERROR only (BENCH_TEMPORAL_LOG_LEVEL=WARN shows slow workflow tasks).
  Runtime.install({ logger: new DefaultLogger((process.env.BENCH_TEMPORAL_LOG_LEVEL as 'ERROR') ?? 'ERROR') });
  const kind = (flags.server as string | undefined) ?? 'dev';
  if (kind === 'pg') {
    const address = (flags.address as string | undefined) ?? process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
    await waitForNamespace(address, 'default');
    const shards = process.env.TEMPORAL_PG_SHARDS ?? '8';
    return { address, label: `Temporal server 1.29.1 on PostgreSQL 15 (${shards} history shards) at ${address}`, stop: () => Promise.resolve() };
  }
  if (kind === 'pg-private') return privatePgServer();
  if (kind !== 'dev') throw new Error(`--server must be dev, pg or pg-private, not ${kind}`);
  const cli = process.env.TEMPORAL_CLI_PATH ?? findTemporalCli();
  if (!cli) throw new Error('No Temporal CLI in the cache (npm run temporal:cli builds it)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-bench-'));
  const opts: DevServerOptions = { cliPath: cli, port: await freePort(), dbFilename: path.join(dir, 'temporal.db'), extraArgs: devServerSearchAttributeArgs() };
  let srv: DevServer | undefined = await startDevServer(opts);
  await waitForNamespace(srv.address, 'default');
  return {
    address: srv.address,
    label: 'Temporal CLI 1.5.1 dev server (server 1.29.1, SQLite file, WAL, synchronous=OFF, 1 history shard)',
    async halt() {
      await srv?.stop();
      srv = undefined;
    },
    async resume() {
      srv = await startDevServer({ ...opts, readyTimeoutMs: 180_000 });
      // On a loaded machine a restarted server can take a while to serve its namespace.
      await waitForNamespace(srv.address, 'default', 180_000);
    },
    async stop() {
      await srv?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function privatePgServer(): Promise<TemporalUnderTest> {
  const bin = findServerBinaries();
  if (!bin) throw new Error('No Temporal server binaries in the cache (npm run temporal:pg -- --build builds them)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-bench-pg-'));
  const s = settingsFromEnv({
    ...process.env,
    TEMPORAL_PG_PORT: process.env.BENCH_PG_PORT ?? '7433',
    TEMPORAL_PG_PORT_BASE: process.env.BENCH_PG_PORT_BASE ?? '7450',
    TEMPORAL_PG_DATABASE: 'cyberduty_temporal_bench',
    DATA_DIR: dir,
  });
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const quiet = () => undefined;
  await dropDatabases(s, quiet);
  await setupSchemas(s, bin, quiet);
  const start = async () => {
    const srv = await startPgServer(s, bin, { detach: false, log: quiet });
    // If this run dies, its server must not outlive it.
    process.once('exit', () => srv.child?.kill('SIGKILL'));
  };
  await start();
  const address = `127.0.0.1:${s.port}`;
  return {
    address,
    label: `Temporal server 1.29.1 on PostgreSQL 15 (${s.shards} history shards), this run's own at ${address}`,
    halt: async () => void (await stopPgServer(s, quiet)),
    resume: start,
    async stop() {
      await stopPgServer(s, quiet);
      await dropDatabases(s, log).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bundles the workflows once per benchmark run (as the tests' globalSetup does); returns the file. */
const bundles = new Map<string, Promise<string>>();
export function bundle(workflowsPath: string): Promise<string> {
  if (!bundles.has(workflowsPath)) {
    bundles.set(
      workflowsPath,
      (async () => {
        const quiet = { info: () => undefined, warn: () => undefined, error: console.error, debug: () => undefined, trace: () => undefined, log: () => undefined };
        const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
        const file = path.join(os.tmpdir(), `cyberduty-bench-bundle-${crypto.randomBytes(4).toString('hex')}.js`);
        fs.writeFileSync(file, code);
        return file;
      })(),
    );
  }
  return bundles.get(workflowsPath)!;
}

/** The cyberduty stack on the server under test: a fresh database, a real worker, the API on HTTP. */
export async function benchStack(
  temporal: TemporalUnderTest,
  opts: { policy?: Policy; worker?: Partial<WorkerOptions> } = {},
): Promise<Stack & { url: string; close(): Promise<void> }> {
  process.env.TEMPORAL_TEST_ADDRESS = temporal.address;
  process.env.TEMPORAL_TEST_BUNDLE ??= await bundle(require.resolve('../workflows'));
  // The API's errors on stderr: a 500 in a long run (one in 10,000 issues, once) must show its cause.
  process.env.TEST_LOG_LEVEL ??= 'error';
  // The stack module reads the environment when called; import it after setting it.
  const { startStack } = await import('../test/support/stack');
  const stack = await startStack({ policy: opts.policy, worker: opts.worker, orgFile: path.join(__dirname, '..', 'config', 'demo-org.yaml') });
  const server = http.createServer(stack.app);
  // Idle keep-alive sockets outlive a phase of another kind (bench:actions takes turns): with the
  // default 5 s the server closed them just as the client reused one (ECONNRESET).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(stack, {
    url,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await stack.shutdown();
    },
  });
}

/** A worker for the bare baselines (bench/baseline-workflows.ts), on a task queue of its own. */
export async function baselineWorker(
  temporal: TemporalUnderTest,
  activities: object,
  options: Partial<WorkerOptions> = {},
): Promise<{ client: Client; taskQueue: string; stop(): Promise<void> }> {
  const taskQueue = options.taskQueue ?? `bench-bare-${crypto.randomBytes(4).toString('hex')}`;
  const connection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    workflowBundle: { codePath: await bundle(require.resolve('./baseline-workflows')) },
    activities,
    ...options,
    taskQueue,
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address: temporal.address });
  return {
    client: new Client({ connection: clientConnection, namespace: 'default' }),
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}

/** Runs `fn(i)` for i in [0, n) with `concurrency` in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const fmtMs = (ms: number) => (Number.isNaN(ms) ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** "p50 12 ms · p95 40 ms · p99 71 ms · max 90 ms (n = 100)". */
export function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${fmtMs(percentile(s, 50))} · p95 ${fmtMs(percentile(s, 95))} · p99 ${fmtMs(percentile(s, 99))} · max ${fmtMs(s.at(-1) ?? NaN)} (n = ${s.length})`;
}

/** The header of every benchmark's output: what ran, where, when. */
export function header(title: string, temporal: TemporalUnderTest | undefined, extra: string[] = []): void {
  const cpus = os.cpus();
  console.log(`\n== ${title}`);
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (shared machine), Node ${process.version}`);
  if (temporal) console.log(`server:   ${temporal.label}`);
  console.log(`database: ${process.env.DATABASE_URL ? `PostgreSQL (${process.env.DATABASE_URL.replace(/\/\/[^@]*@/, '//')}, a fresh schema)` : 'PGlite in memory (in the worker process)'}`);
  for (const line of extra) console.log(line);
}

/** Keep-alive HTTP for the API benchmarks (one agent, like a browser's or a proxy's pool). */
export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function httpJson(
  url: string,
  method: string,
  token: string | undefined,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
          ...extraHeaders,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/**
 * Issues a notice through the API with an Idempotency-Key, repeating it on a 503 (the workflow
 * did not answer in time on a loaded machine: the repeat returns the same notice). Returns its id.
 */
export async function issueNotice(url: string, token: string, body: Record<string, unknown>, key: string): Promise<{ id: string; retries: number }> {
  for (let retries = 0; ; retries++) {
    const res = await httpJson(`${url}/api/notices`, 'POST', token, body, { 'Idempotency-Key': key });
    if (res.status === 201 || res.status === 200) return { id: (res.body as { id: string }).id, retries };
    if (res.status !== 503 || retries >= 5) throw new Error(`issue: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** A fresh, migrated database for a benchmark: a schema of DATABASE_URL, or PGlite in memory. */
export async function openBenchDb(): Promise<{ db: Db; label: string; drop(): Promise<void> }> {
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

/**
 * Notices B-0000001 … B-<n> (from `first`, so that a benchmark can add to what it made before)
 * written straight into the projection with `events` timeline events each, in SQL (generate_series;
 * units, severities, statuses and overdue spread evenly, issue times over a year; every row as
 * the projection holds it, state JSON of a realistic size).
 */
export async function generateNotices(db: Db, n: number, events: number, first = 1): Promise<void> {
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
     FROM generate_series($5::int, $4::int) g
     CROSS JOIN LATERAL (SELECT timestamptz '2025-12-01 00:00+08' + (g::float8 / $4::int) * interval '365 days' AS issued) t
     CROSS JOIN LATERAL (SELECT (ARRAY['closed','closed','closed','closed','closed','closed','rectifying','under_review','issued','withdrawn'])[1 + g % 10] AS status) st`,
    [units, pad, events, n, first],
  );
  const types = ['issued', 'acknowledged', 'reminder_sent', 'rectification_submitted', 'review_rejected', 'rectification_submitted', 'review_accepted', 'reminder_sent', 'overdue', 'escalated'];
  // In slices, so PGlite's single WASM heap is not asked for 1,000,000 rows at once.
  const slice = 20000;
  for (let from = first; from <= n; from += slice) {
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
 * CPU seconds used so far, by who used them: the Temporal server (the CLI dev server `temporal`
 * or `temporal-server`), PostgreSQL (every `postgres` process: the backends serving the records
 * and, on the PostgreSQL server, Temporal's own), this benchmark process (the API, the worker
 * with its workflow thread and the SDK's core threads: getrusage of the whole process), and the
 * rest of the machine. From /proc; Linux only (elsewhere: zeros). A backend that exits within a
 * phase takes its CPU with it (connections here are pooled and long-lived).
 */
export interface CpuSample {
  at: number;
  server: number;
  postgres: number;
  bench: number;
  total: number;
}

export function cpuSample(): CpuSample {
  const tick = 100; // USER_HZ on Linux
  let server = 0;
  let postgres = 0;
  try {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      const cpu = (Number(f[11]) + Number(f[12])) / tick; // utime, stime (fields 14 and 15)
      if (comm === 'temporal' || comm === 'temporal-server') server += cpu;
      else if (comm === 'postgres') postgres += cpu;
    }
  } catch {
    /* no /proc */
  }
  const u = process.cpuUsage();
  let total = 0;
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    total = (line[0] + line[1] + line[2] + line[5] + line[6] + line[7]) / tick; // user nice system irq softirq steal
  } catch {
    /* no /proc */
  }
  return { at: Date.now(), server, postgres, bench: (u.user + u.system) / 1e6, total };
}

/** "CPU 2.0 cores busy of 2: server 31 ms · PostgreSQL 12 ms · this process 28 ms · other 2 ms per item". */
export function cpuReport(from: CpuSample, to: CpuSample, items: number): string {
  const wall = (to.at - from.at) / 1000;
  const d = { server: to.server - from.server, postgres: to.postgres - from.postgres, bench: to.bench - from.bench, total: to.total - from.total };
  const other = Math.max(0, d.total - d.server - d.postgres - d.bench);
  const per = (s: number) => `${((s * 1000) / Math.max(1, items)).toFixed(1)} ms`;
  return (
    `CPU ${(d.total / wall).toFixed(2)} of ${os.cpus().length} cores busy; per item: Temporal server ${per(d.server)} · PostgreSQL ${per(d.postgres)} · ` +
    `this process (API, worker) ${per(d.bench)} · other ${per(other)} · all ${per(d.total)}`
  );
}
