/**
 * `npm run bench:memory -- [--n 500] [--cache 500,50] [--slots 40] [--samples 20] [--concurrency 16]
 *   [--snapshot] [--skip-bare] [--skip-pglite | --only-pglite] [--server dev|pg|pg-private]
 *   [--address host:port]` (needs DATABASE_URL, but for --only-pglite: the API and the worker are
 * separate processes, as in production): worker memory. --cache and --slots take comma-separated
 * lists (every combination is a setting); --concurrency is how many notices are issued at once;
 * --snapshot keeps heap snapshots of the first setting's worker (bench/heap-summary.ts sums them).
 *
 * The measured process is the project's own worker, `worker/main.ts`, unchanged, with
 * bench/memory-probe.ts preloaded (it answers what holds the memory: RSS, the main thread's V8
 * heap, the workflow thread's V8 heap, external memory). The API runs as `api/main.ts` beside it.
 *   1. The worker idle, before any notice: the baseline of the process itself.
 *   2. N notices issued through the API (open, deadlines weeks away).
 *   3. For each setting (WORKER_MAX_CACHED_WORKFLOWS × WORKER_MAX_CONCURRENT_WORKFLOW_TASKS): a
 *      fresh worker process; every notice's workflow asked its `state` query once (a workflow not
 *      in the cache is replayed from its history and cached, evicting another when full); then
 *      memory after a garbage collection, the SDK's own sticky-cache gauge, and the latency of a
 *      query and of an acknowledgement (HTTP → update → activities → read back) on notices picked
 *      at random — which, when the cache is smaller than the open set, are mostly not cached.
 *   4. The same for N bare workflows (an update running one no-op activity, a query) in a worker
 *      process of the same SDK with a bundle of a few lines (bench/bare-worker.ts).
 *   5. PGlite's share (what `npm start` holds in the same process): a process that opens PGlite,
 *      migrates, loads the demo organisation and N notices with ten events each.
 * --cache takes numbers or `default` (the SDK's default, from the heap limit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../scripts/temporal-cli';
import { noticeWorkflowId } from '../workflows/definitions';
import { startCluster, clusterToken } from '../test/support/processes';
import { fastPolicy } from '../test/support/stack';
import type { MemoryReport } from './memory-probe';
import { bundle, fmtMs, header, httpJson, issueNotice, num, parseFlags, pool, SERVER_FLAGS, summary, temporalUnderTest } from './lib';

const ROOT = path.join(__dirname, '..');
const PROBE = path.join(__dirname, 'memory-probe.ts');
const MB = 2 ** 20;
const mb = (b: number) => `${Math.round(b / MB)} MB`;

interface Measured {
  child: ChildProcess;
  ask<T>(op: 'measure' | 'snapshot', extra?: object): Promise<T>;
  metrics(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `entry` with the probe preloaded and an IPC channel; resolves once it logs "worker running". */
async function spawnMeasured(entry: string, env: NodeJS.ProcessEnv): Promise<Measured> {
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, ['--expose-gc', '-r', '@swc-node/register', '-r', PROBE, entry], {
    cwd: ROOT,
    env: { ...env, TEMPORAL_METRICS_ADDRESS: metricsAddress },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; result?: unknown; error?: string }) => {
    const w = m.id !== undefined ? waiting.get(m.id) : undefined;
    if (!w) return;
    waiting.delete(m.id!);
    if (m.error) w.reject(new Error(m.error));
    else w.resolve(m.result);
  });
  const started = Date.now();
  while (!out.includes('"msg":"worker running"')) {
    if (child.exitCode !== null) throw new Error(`${entry} exited: ${out.slice(-3000)}`);
    if (Date.now() - started > 180_000) throw new Error(`${entry} did not start in 3 min: ${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    ask<T>(op: 'measure' | 'snapshot', extra: object = {}) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, ...extra });
      });
    },
    async metrics() {
      return (await fetch(`http://${metricsAddress}/metrics`)).text();
    },
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The SDK's own gauge of workflows in the worker's cache (its Prometheus exporter). */
async function stickyCacheSize(w: Measured): Promise<number | undefined> {
  const text = await w.metrics().catch(() => '');
  const values = [...text.matchAll(/^temporal_sticky_cache_size(?:\{[^}]*\})? (\S+)$/gm)].map((m) => Number(m[1]));
  return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
}

function breakdown(r: MemoryReport): string {
  const threads = r.threads.reduce((a, t) => a + t.usedSize, 0);
  const threadsTotal = r.threads.reduce((a, t) => a + t.totalSize, 0);
  const anon = r.status.RssAnon ?? r.rss;
  const other = anon - r.main.heapTotal - threadsTotal - r.main.external;
  return [
    `RSS ${mb(r.rss)} (anonymous ${mb(anon)}, file-backed code ${mb(r.status.RssFile ?? 0)})`,
    `main-thread heap used ${mb(r.main.heapUsed)} of ${mb(r.main.heapTotal)}`,
    `workflow thread heap used ${mb(threads)} of ${mb(threadsTotal)} (${r.threads.length} thread${r.threads.length === 1 ? '' : 's'})`,
    `external ${mb(r.main.external)} (array buffers ${mb(r.main.arrayBuffers)})`,
    `other anonymous (− heaps − external: native allocations, compiled code) ${mb(other)}`,
  ].join(' · ');
}

interface Setting {
  cache: number | 'default';
  slots: number;
}

function settingEnv(s: Setting): NodeJS.ProcessEnv {
  return {
    ...(s.cache === 'default' ? {} : { WORKER_MAX_CACHED_WORKFLOWS: String(s.cache) }),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: String(s.cache === 'default' ? s.slots : Math.min(s.slots, Math.max(2, s.cache))),
  };
}

const label = (s: Setting) => `cache ${s.cache === 'default' ? 'SDK default' : s.cache}, ${s.slots} workflow task slots`;

/** A step's memory, printed, with the SDK's cache gauge. */
async function report(what: string, w: Measured): Promise<MemoryReport> {
  const r = await w.ask<MemoryReport>('measure', { gc: true });
  const cached = await stickyCacheSize(w);
  console.log(`  ${what}: ${breakdown(r)}${cached !== undefined ? ` · cached workflows (SDK gauge) ${cached}` : ''}`);
  return r;
}

function perWorkflow(base: MemoryReport, full: MemoryReport, cached: number): string {
  if (cached <= 0) return '';
  const rss = (full.rss - base.rss) / cached;
  const heap = (full.threads.reduce((a, t) => a + t.usedSize, 0) - base.threads.reduce((a, t) => a + t.usedSize, 0)) / cached;
  return `  per cached workflow: RSS +${(rss / 1024).toFixed(0)} KB, workflow-thread heap +${(heap / 1024).toFixed(0)} KB (over ${cached}, against the idle worker)`;
}

async function pgliteShare(n: number): Promise<void> {
  const child = spawn(process.execPath, ['--expose-gc', '-r', '@swc-node/register', '-r', PROBE, path.join(__dirname, 'memory-pglite.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', PGLITE_NOTICES: String(n) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const steps: Array<[string, MemoryReport]> = [];
  let id = 0;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { step?: string; id?: number; result?: MemoryReport }) => {
      if (m.step) {
        const name = m.step;
        const myId = ++id;
        const onResult = (r: { id?: number; result?: MemoryReport }) => {
          if (r.id !== myId || !r.result) return;
          child.off('message', onResult);
          steps.push([name, r.result]);
          child.send({ measured: name });
        };
        child.on('message', onResult);
        child.send({ id: myId, op: 'measure', gc: true });
      }
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`memory-pglite exited ${code}`))));
  });
  const at = Object.fromEntries(steps);
  const d = (a: string, b: string) => {
    const x = at[a];
    const y = at[b];
    // `external` counts a WebAssembly memory at its current size whether resident or not, so
    // only RSS says what the step cost.
    return `RSS ${y.rss >= x.rss ? '+' : ''}${mb(y.rss - x.rss)} (anonymous ${mb((y.status.RssAnon ?? 0) - (x.status.RssAnon ?? 0))}), JS heap ${mb(y.main.heapUsed - x.main.heapUsed)}`;
  };
  console.log(`\nPGlite's share (a process of its own, PGlite on files as npm start opens it):`);
  console.log(`  the process before opening: ${breakdown(at.started)}`);
  console.log(`  + open and migrate:              ${d('started', 'opened')}`);
  console.log(`  + the demo organisation:         ${d('opened', 'organisation')}`);
  console.log(`  + ${n} notices, ${n * 10} events: ${d('organisation', 'notices')}`);
  console.log(`  in all: ${breakdown(at.notices)}`);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), [...SERVER_FLAGS, 'n', 'cache', 'slots', 'samples', 'concurrency', 'snapshot', 'skip-bare', 'skip-pglite', 'only-pglite']);
  const n = num(flags, 'n', 500);
  const samples = num(flags, 'samples', 20);
  const c = num(flags, 'concurrency', 16);
  const caches = String(flags.cache ?? `${n},${Math.max(10, Math.round(n / 10))}`)
    .split(',')
    .map((x) => (x.trim() === 'default' ? ('default' as const) : Number(x)));
  const slots = String(flags.slots ?? '40').split(',').map(Number);
  if (caches.some((x) => x !== 'default' && !(Number.isInteger(x) && x >= 2)) || slots.some((x) => !(Number.isInteger(x) && x >= 2))) {
    throw new Error('--cache: numbers ≥ 2 or default; --slots: numbers ≥ 2 (comma-separated)');
  }
  const settings: Setting[] = caches.flatMap((cache) => slots.map((s) => ({ cache, slots: s })));

  if (flags['only-pglite']) {
    header(`worker memory: PGlite's share with ${n} notices`, undefined);
    await pgliteShare(n);
    return;
  }
  if (!process.env.DATABASE_URL) throw new Error('bench:memory needs DATABASE_URL (PostgreSQL): the API and the worker run as separate processes, and PGlite allows one (use --only-pglite for PGlite’s share alone)');

  const temporal = await temporalUnderTest(flags);
  header(`worker memory: ${n} open notices, settings ${settings.map(label).join('; ')}`, temporal, [
    `worker:   worker/main.ts as its own process (records on PostgreSQL), probe preloaded; API api/main.ts beside it`,
  ]);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  const snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-bench-heap-'));
  try {
    process.env.TEMPORAL_TEST_ADDRESS = temporal.address;
    process.env.TEMPORAL_TEST_BUNDLE ??= await bundle(require.resolve('../workflows'));
    const workflowsBundle = process.env.TEMPORAL_TEST_BUNDLE;
    console.log(`bundle:   cyberduty's workflows ${mb(fs.statSync(workflowsBundle).size)} of code (${fs.statSync(workflowsBundle).size} bytes)`);
    // Deadlines weeks away: nothing fires while we measure.
    const cluster = await startCluster({ policy: fastPolicy({ ack: 'P30D', rectify: 'P60D' }), env: { LOG_LEVEL: 'info' } });
    let worker: Measured | undefined;
    try {
      const workerEnv = (s: Setting) => ({ ...cluster.env, ...settingEnv(s) });
      console.log(`\ncyberduty worker`);
      worker = await spawnMeasured('worker/main.ts', workerEnv(settings[0]));
      // Let start-up settle (bundle loaded into the workflow thread, first polls).
      await new Promise((r) => setTimeout(r, 5000));
      const idle = await report(`idle, no open workflows (${label(settings[0])})`, worker);
      const api = await cluster.api('api');
      const office = await clusterToken(cluster.dataDir, 'p-chen-jing');
      const liaison = await clusterToken(cluster.dataDir, 'p-li-na');
      const ids: string[] = [];
      const t0 = Date.now();
      let retries = 0;
      await pool(n, c, async (i) => {
        const r = await issueNotice(api.url, office, { unitId: 'cs', title: `内存测试 ${i}`, category: 'vulnerability', severity: 'medium', description: 'bench' }, `bench-memory-${t0}-${i}`);
        retries += r.retries;
        ids.push(r.id);
      });
      const issueS = (Date.now() - t0) / 1000;
      console.log(`  issued ${n} notices through the API in ${fmtMs(issueS * 1000)} (${(n / issueS).toFixed(1)}/s, ${c} at a time, ${retries} repeated after a 503)`);
      await report(`after issuing them (the issuing worker's cache)`, worker);
      // Acknowledged in an order spread over the whole set, never the same notice twice.
      const toAck = [...ids];
      for (let i = toAck.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [toAck[i], toAck[j]] = [toAck[j], toAck[i]];
      }
      for (const [k, s] of settings.entries()) {
        await worker.stop();
        console.log(`\n setting ${k + 1}: ${label(s)}`);
        worker = await spawnMeasured('worker/main.ts', workerEnv(s));
        await new Promise((r) => setTimeout(r, 3000));
        const fresh = await report('fresh process, nothing loaded yet', worker);
        const touch: number[] = [];
        await pool(n, 8, async (i) => {
          const t = performance.now();
          await client.workflow.getHandle(noticeWorkflowId(ids[i])).query('state');
          touch.push(performance.now() - t);
        });
        console.log(`  every notice queried once (a workflow not cached is replayed from its history): ${summary(touch)}`);
        const full = await report(`with ${n} open notices, each loaded once`, worker);
        const cached = (await stickyCacheSize(worker)) ?? 0;
        const perWf = perWorkflow(fresh, full, cached);
        if (perWf) console.log(perWf);
        const q: number[] = [];
        for (let i = 0; i < samples; i++) {
          const id = ids[crypto.randomInt(ids.length)];
          const t = performance.now();
          await client.workflow.getHandle(noticeWorkflowId(id)).query('state');
          q.push(performance.now() - t);
        }
        console.log(`  query state, a notice at random, one at a time: ${summary(q)}`);
        const ack: number[] = [];
        for (let i = 0; i < samples && toAck.length > 0; i++) {
          const id = toAck.pop()!;
          const t = performance.now();
          const res = await httpJson(`${api.url}/api/notices/${id}/acknowledge`, 'POST', liaison, {});
          if (res.status !== 200) throw new Error(`acknowledge ${id}: ${res.status} ${JSON.stringify(res.body)}`);
          ack.push(performance.now() - t);
        }
        console.log(`  acknowledge end to end, a notice at random, one at a time: ${summary(ack)}`);
        await report('after the actions', worker);
        if (flags.snapshot && k === 0) {
          const files = await worker.ask<Array<{ what: string; bytes: number; file: string }>>('snapshot', { dir: snapshotDir });
          console.log(`  heap snapshots: ${files.map((f) => `${f.what} ${mb(f.bytes)} (${f.file})`).join('; ')}`);
        }
      }
      console.log(`  (the idle worker before any notice: RSS ${mb(idle.rss)})`);
    } finally {
      await worker?.stop();
      await cluster.close();
    }

    if (!flags['skip-bare']) {
      console.log(`\nbaseline: bare workflows (bench/bare-worker.ts: the same SDK and tuning, a bundle of a few lines, no database)`);
      const taskQueue = `bench-bare-mem-${crypto.randomBytes(4).toString('hex')}`;
      const bareBundle = await bundle(require.resolve('./baseline-workflows'));
      const bareEnv = (s: Setting): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        BARE_BUNDLE: bareBundle,
        LOG_LEVEL: 'info',
        ...settingEnv(s),
      });
      let bare = await spawnMeasured(path.join(__dirname, 'bare-worker.ts'), bareEnv(settings[0]));
      try {
        await new Promise((r) => setTimeout(r, 5000));
        await report(`idle, no open workflows (${label(settings[0])})`, bare);
        const handles: Array<Awaited<ReturnType<typeof client.workflow.start>>> = [];
        await pool(n, 32, async (i) => {
          handles[i] = await client.workflow.start('bareUpdateWorkflow', { taskQueue, workflowId: `${taskQueue}-${i}` });
        });
        // Each one's first workflow task done (it is open and has run), as the notices' are.
        await pool(n, 8, async (i) => void (await handles[i].query('bareCount')));
        await report(`after starting ${n} bare workflows (this worker's cache)`, bare);
        for (const [k, s] of settings.entries()) {
          await bare.stop();
          console.log(`\n setting ${k + 1}: ${label(s)}`);
          bare = await spawnMeasured(path.join(__dirname, 'bare-worker.ts'), bareEnv(s));
          await new Promise((r) => setTimeout(r, 3000));
          const fresh = await report('fresh process, nothing loaded yet', bare);
          const touch: number[] = [];
          await pool(n, 8, async (i) => {
            const t = performance.now();
            await handles[i].query('bareCount');
            touch.push(performance.now() - t);
          });
          console.log(`  every bare workflow queried once: ${summary(touch)}`);
          const full = await report(`with ${n} open bare workflows, each loaded once`, bare);
          const perWf = perWorkflow(fresh, full, (await stickyCacheSize(bare)) ?? 0);
          if (perWf) console.log(perWf);
          const q: number[] = [];
          const u: number[] = [];
          for (let i = 0; i < samples; i++) {
            const h = handles[crypto.randomInt(handles.length)];
            let t = performance.now();
            await h.query('bareCount');
            q.push(performance.now() - t);
            t = performance.now();
            await h.executeUpdate('bare', { args: [i] });
            u.push(performance.now() - t);
          }
          console.log(`  query, a bare workflow at random: ${summary(q)}`);
          console.log(`  update + no-op activity, a bare workflow at random: ${summary(u)}`);
        }
        await Promise.all(handles.map((h) => h.terminate().catch(() => undefined)));
      } finally {
        await bare.stop();
      }
    }
    if (!flags['skip-pglite']) await pgliteShare(n);
  } finally {
    await connection.close();
    // Snapshots are kept for a look in DevTools (Memory → Load); without --snapshot the folder is empty.
    if (!flags.snapshot) fs.rmSync(snapshotDir, { recursive: true, force: true });
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
