/**
 * `npm run temporal:pg`: the Temporal server (v1.29.1, the version the CLI v1.5.1 embeds) on the
 * machine's PostgreSQL — the production shape of Temporal, on one host.
 *
 * 1. Finds `temporal-server` and `temporal-sql-tool` in the per-user cache
 *    (~/.cache/cyberduty/temporal-server-1.29.1/) or builds them with Go (minutes, once per
 *    machine), keeping the module's PostgreSQL schema files beside them.
 * 2. Creates the two databases (TEMPORAL_PG_DATABASE, default `cyberduty_temporal`, and
 *    `<it>_visibility`; never the records' database) and brings their schemas up to date.
 * 3. Starts the server with config/temporal-postgres.yaml (ports from the environment), waits
 *    until it answers, creates the namespace (TEMPORAL_NAMESPACE, default `default`) and registers
 *    cyberduty's search attributes, and waits until a workflow with them can be started.
 *
 * Idempotent: a second run finds the binaries, the databases and the namespace, and reuses a
 * server already running on the port (recorded in DATA_DIR/temporal-pg-<port>/server.pid).
 *
 *   npm run temporal:pg                 # in the foreground; Ctrl-C stops the server
 *   npm run temporal:pg -- --detach     # starts it in the background and returns once ready
 *   npm run temporal:pg -- --stop       # stops the one started with --detach
 *   npm run temporal:pg -- --fresh      # drops both databases first (a new, empty cluster)
 *   npm run temporal:pg -- --build      # only builds (or finds) the binaries
 *
 * Environment: TEMPORAL_PG_PORT (frontend, 7233), TEMPORAL_PG_PORT_BASE (the server's other nine
 * ports, base…base+8, default 7240), TEMPORAL_PG_SHARDS (8; fixed when a cluster is created),
 * TEMPORAL_PG_HOST / TEMPORAL_PG_DB_PORT / TEMPORAL_PG_USER / TEMPORAL_PG_PASSWORD (PostgreSQL,
 * 127.0.0.1 / 5432 / postgres / none), TEMPORAL_PG_DATABASE, TEMPORAL_NAMESPACE,
 * TEMPORAL_PG_RETENTION_DAYS (closed workflows' history, 7), DATA_DIR.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { ensureSearchAttributes } from '../worker/temporal';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';

type Log = (line: string) => void;
const defaultLog: Log = (l) => process.stderr.write(`${l}\n`);

export interface PgServerSettings {
  port: number;
  portBase: number;
  shards: number;
  pgHost: string;
  pgPort: number;
  pgUser: string;
  pgPassword: string;
  database: string;
  visibilityDatabase: string;
  namespace: string;
  retentionDays: number;
  stateDir: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): PgServerSettings {
  const int = (name: string, dflt: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}=${raw}: must be an integer from ${min} to ${max}`);
    return n;
  };
  const name = (v: string, what: string): string => {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v)) throw new Error(`${what}=${v}: must be a lower-case PostgreSQL identifier`);
    return v;
  };
  const port = int('TEMPORAL_PG_PORT', 7233, 1, 65535);
  const database = name(env.TEMPORAL_PG_DATABASE || 'cyberduty_temporal', 'TEMPORAL_PG_DATABASE');
  return {
    port,
    portBase: int('TEMPORAL_PG_PORT_BASE', 7240, 1, 65535 - 8),
    shards: int('TEMPORAL_PG_SHARDS', 8, 1, 16384),
    pgHost: env.TEMPORAL_PG_HOST || '127.0.0.1',
    pgPort: int('TEMPORAL_PG_DB_PORT', 5432, 1, 65535),
    pgUser: env.TEMPORAL_PG_USER || 'postgres',
    pgPassword: env.TEMPORAL_PG_PASSWORD ?? '',
    database,
    visibilityDatabase: name(`${database}_visibility`, 'TEMPORAL_PG_DATABASE'),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    retentionDays: int('TEMPORAL_PG_RETENTION_DAYS', 7, 1, 3650),
    stateDir: path.resolve(env.DATA_DIR || './data', `temporal-pg-${port}`),
  };
}

// ---------- binaries ----------

export function serverCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cyberduty', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

export interface ServerBinaries {
  server: string;
  sqlTool: string;
  /** The module's schema/postgresql/v12, copied beside the binaries. */
  schemaDir: string;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function findGo(): string | undefined {
  if (process.env.GO && isExecutable(process.env.GO)) return process.env.GO;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/** The binaries in the cache, or undefined: never builds (tests that need them skip instead). */
export function findServerBinaries(): ServerBinaries | undefined {
  const dir = serverCacheDir();
  const b = { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool'), schemaDir: path.join(dir, 'schema', 'postgresql', 'v12') };
  return isExecutable(b.server) && isExecutable(b.sqlTool) && fs.existsSync(path.join(b.schemaDir, 'temporal', 'versioned')) ? b : undefined;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; log: Log; quiet?: boolean }): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (b: Buffer) => {
      output += b.toString();
      if (!opts.quiet) for (const line of b.toString().split('\n')) if (line.trim()) opts.log(`  ${line}`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/** Finds the binaries in the cache or builds them with Go (asynchronous, with progress lines). */
export async function resolveServerBinaries(log: Log = defaultLog): Promise<ServerBinaries> {
  const found = findServerBinaries();
  if (found) return found;
  const go = findGo();
  if (!go) throw new Error('No Temporal server in the cache and no Go toolchain to build it (Go ≥ 1.25 at /usr/local/go/bin or on PATH).');
  const dir = serverCacheDir();
  fs.mkdirSync(dir, { recursive: true });
  // A private folder, renamed into place: a concurrent or interrupted build never leaves a
  // half-written binary where others look.
  const tmp = fs.mkdtempSync(path.join(dir, 'build-'));
  log(`[temporal-pg] Building the Temporal server v${TEMPORAL_SERVER_VERSION} and its SQL tool with ${go} (once per machine, about 3 minutes)…`);
  log(`[temporal-pg] cache: ${dir}`);
  const started = Date.now();
  const ticker = setInterval(() => log(`[temporal-pg] still building… ${Math.round((Date.now() - started) / 1000)} s`), 30000);
  try {
    const env = { ...process.env, GOBIN: tmp, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' };
    const r = await run(go, ['install', `${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], { env, log, quiet: true });
    if (r.code !== 0) throw new Error(`go install of the Temporal server failed (exit ${r.code}):\n${r.output.slice(-3000)}`);
    // The schema files come from the module the build just used.
    const mod = await run(go, ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], { env, log, quiet: true });
    const moduleDir = (JSON.parse(mod.output) as { Dir?: string }).Dir;
    if (mod.code !== 0 || !moduleDir) throw new Error(`could not locate the module ${MODULE}@v${TEMPORAL_SERVER_VERSION}:\n${mod.output.slice(-2000)}`);
    const schemaTmp = path.join(tmp, 'schema', 'postgresql', 'v12');
    fs.cpSync(path.join(moduleDir, 'schema', 'postgresql', 'v12'), schemaTmp, { recursive: true });
    // The module cache is read-only; the copy need not be.
    spawnSync('chmod', ['-R', 'u+w', path.join(tmp, 'schema')]);
    fs.rmSync(path.join(dir, 'schema'), { recursive: true, force: true });
    fs.renameSync(path.join(tmp, 'schema'), path.join(dir, 'schema'));
    fs.renameSync(path.join(tmp, 'sql'), path.join(dir, 'temporal-sql-tool'));
    fs.renameSync(path.join(tmp, 'server'), path.join(dir, 'temporal-server'));
  } finally {
    clearInterval(ticker);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(`[temporal-pg] built in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
  return findServerBinaries()!;
}

// ---------- databases ----------

function pgClient(s: PgServerSettings, database: string): pg.Client {
  return new pg.Client({ host: s.pgHost, port: s.pgPort, user: s.pgUser, password: s.pgPassword || undefined, database });
}

async function withPg<T>(s: PgServerSettings, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = pgClient(s, database);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function databaseExists(s: PgServerSettings, db: string): Promise<boolean> {
  return withPg(s, 'postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 1);
}

async function tableExists(s: PgServerSettings, db: string, table: string): Promise<boolean> {
  return withPg(s, db, async (c) => (await c.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [table])).rows[0].ok);
}

export async function dropDatabases(s: PgServerSettings, log: Log): Promise<void> {
  for (const db of [s.database, s.visibilityDatabase]) {
    await withPg(s, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
    log(`[temporal-pg] dropped database ${db}`);
  }
}

/** Creates the databases if missing and applies the module's versioned schema (a no-op when current). */
export async function setupSchemas(s: PgServerSettings, bin: ServerBinaries, log: Log): Promise<void> {
  const sql = async (db: string, ...args: string[]) => {
    const common = ['--plugin', 'postgres12', '--ep', s.pgHost, '-p', String(s.pgPort), '-u', s.pgUser, ...(s.pgPassword ? ['--pw', s.pgPassword] : []), '--db', db];
    const r = await run(bin.sqlTool, [...common, ...args], { log, quiet: true });
    if (r.code !== 0) throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed (exit ${r.code}):\n${r.output.slice(-3000)}`);
  };
  for (const [db, kind] of [
    [s.database, 'temporal'],
    [s.visibilityDatabase, 'visibility'],
  ] as const) {
    if (!(await databaseExists(s, db))) {
      await sql(db, 'create-database');
      log(`[temporal-pg] created database ${db}`);
    }
    if (!(await tableExists(s, db, 'schema_version'))) await sql(db, 'setup-schema', '-v', '0.0');
    await sql(db, 'update-schema', '-d', path.join(bin.schemaDir, kind, 'versioned'));
    const version = await withPg(s, db, async (c) => (await c.query<{ curr_version: string }>('SELECT curr_version FROM schema_version')).rows[0]?.curr_version);
    log(`[temporal-pg] ${db}: schema ${kind} v${version}`);
  }
  // The shard count is fixed when a cluster is first started: refuse a different one clearly
  // rather than let the server fail with a mismatch deep in its log.
  const existing = await withPg(s, s.database, async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM shards')).rows[0].n);
  if (existing > 0 && existing !== s.shards) {
    throw new Error(`${s.database} was created with ${existing} history shards, not ${s.shards}: set TEMPORAL_PG_SHARDS=${existing}, or start anew with --fresh`);
  }
}

// ---------- the server ----------

function serverEnv(s: PgServerSettings): NodeJS.ProcessEnv {
  const p = (i: number) => String(s.portBase + i);
  return {
    ...process.env,
    TEMPORAL_PG_PORT: String(s.port),
    TEMPORAL_PG_HISTORY_PORT: p(0),
    TEMPORAL_PG_MATCHING_PORT: p(1),
    TEMPORAL_PG_WORKER_PORT: p(2),
    TEMPORAL_PG_HTTP_PORT: p(3),
    TEMPORAL_PG_FRONTEND_MEMBERSHIP_PORT: p(4),
    TEMPORAL_PG_HISTORY_MEMBERSHIP_PORT: p(5),
    TEMPORAL_PG_MATCHING_MEMBERSHIP_PORT: p(6),
    TEMPORAL_PG_WORKER_MEMBERSHIP_PORT: p(7),
    TEMPORAL_PG_METRICS_PORT: p(8),
    TEMPORAL_PG_SHARDS: String(s.shards),
    TEMPORAL_PG_HOST: s.pgHost,
    TEMPORAL_PG_DB_PORT: String(s.pgPort),
    TEMPORAL_PG_USER: s.pgUser,
    TEMPORAL_PG_PASSWORD: s.pgPassword,
    TEMPORAL_PG_DATABASE: s.database,
    TEMPORAL_PG_VISIBILITY_DATABASE: s.visibilityDatabase,
    TEMPORAL_PG_DYNAMIC_CONFIG: path.join(projectRoot(), 'config', 'temporal-postgres-dynamic.yaml'),
  };
}

function projectRoot(): string {
  return path.resolve(__dirname, '..');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

function pidFile(s: PgServerSettings): string {
  return path.join(s.stateDir, 'server.pid');
}

function runningPid(s: PgServerSettings): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(s), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export interface StartedServer {
  address: string;
  pid: number;
  /** True when a server started earlier was found running and reused. */
  reused: boolean;
  logFile: string;
  child?: ChildProcess;
}

/** Starts the server (or finds the one already running), then makes the namespace ready. */
export async function startPgServer(
  s: PgServerSettings,
  bin: ServerBinaries,
  opts: { detach: boolean; log?: Log; readyTimeoutMs?: number },
): Promise<StartedServer> {
  const log = opts.log ?? defaultLog;
  const address = `127.0.0.1:${s.port}`;
  const logFile = path.join(s.stateDir, 'server.log');
  fs.mkdirSync(s.stateDir, { recursive: true });
  const existing = runningPid(s);
  if (existing && (await canConnect(s.port))) {
    log(`[temporal-pg] already running on ${address} (pid ${existing}): reusing it`);
    await prepareNamespace(s, address, log, opts.readyTimeoutMs ?? 180000);
    return { address, pid: existing, reused: true, logFile };
  }
  if (await canConnect(s.port)) throw new Error(`port ${s.port} is taken by another process: choose TEMPORAL_PG_PORT`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    bin.server,
    ['--root', projectRoot(), '--config', 'config', '--env', 'temporal-postgres', '--allow-no-auth', 'start'],
    { cwd: projectRoot(), env: serverEnv(s), stdio: ['ignore', out, out], detached: opts.detach },
  );
  fs.closeSync(out);
  fs.writeFileSync(pidFile(s), String(child.pid));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  log(`[temporal-pg] server pid ${child.pid}, log ${logFile}`);
  const started = Date.now();
  const deadline = started + (opts.readyTimeoutMs ?? 180000);
  let lastLog = started;
  while (!(await canConnect(s.port))) {
    if (exited !== undefined) throw new Error(`the Temporal server exited (${exited}) before it was ready; the end of ${logFile}:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal server did not come up on ${address} in time; the end of ${logFile}:\n${tail(logFile)}`);
    }
    if (Date.now() - lastLog > 5000) {
      log(`[temporal-pg] waiting for the server on ${address}… ${Math.round((Date.now() - started) / 1000)} s`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    await prepareNamespace(s, address, log, Math.max(30000, deadline - Date.now()));
  } catch (err) {
    child.kill('SIGKILL');
    fs.rmSync(pidFile(s), { force: true });
    throw err;
  }
  if (opts.detach) child.unref();
  return { address, pid: child.pid!, reused: false, logFile, child };
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '(no log)';
  }
}

/**
 * Creates the namespace if missing, registers the search attributes, and waits until a workflow
 * carrying them can be started: a new namespace and new search attributes reach the history
 * service's caches some seconds after they are written (up to a minute for search attributes).
 */
async function prepareNamespace(s: PgServerSettings, address: string, log: Log, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const connection = await Connection.connect({ address, connectTimeout: 5000 });
  // Each step retried until it succeeds: right after a start, or after the namespace was
  // written, the services answer NOT_FOUND or UNAVAILABLE for a while.
  const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        lastError = err;
        if (Date.now() > deadline) throw new Error(`${what}: ${String(lastError)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  try {
    const exists = await retry('the frontend did not answer', async () => {
      try {
        await connection.workflowService.describeNamespace({ namespace: s.namespace });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 5 /* NOT_FOUND */) return false;
        throw err;
      }
    });
    if (!exists) {
      await retry(`namespace ${s.namespace} could not be created`, () =>
        connection.workflowService.registerNamespace({
          namespace: s.namespace,
          workflowExecutionRetentionPeriod: msToTs(`${s.retentionDays} days`),
          description: 'cyberduty',
        }),
      );
      log(`[temporal-pg] created namespace ${s.namespace} (retention ${s.retentionDays} days)`);
    }
    const added = await retry('the search attributes could not be registered', () => ensureSearchAttributes(connection, s.namespace));
    if (added.length) log(`[temporal-pg] registered search attributes: ${added.join(', ')}`);
    const client = new Client({ connection, namespace: s.namespace });
    const started = Date.now();
    let lastLog = started;
    for (;;) {
      try {
        const h = await client.workflow.start('cyberdutyReadinessProbe', {
          taskQueue: 'cyberduty-readiness-probe',
          workflowId: `cyberduty-readiness-probe-${Date.now()}`,
          typedSearchAttributes: SEARCH_ATTRIBUTES.map((k) => (k.type === 'INT' ? { key: k, value: 0 } : { key: k, value: 'probe' })),
        });
        await h.terminate('readiness probe');
        break;
      } catch (err) {
        lastError = err;
        if (Date.now() > deadline) throw new Error(`namespace ${s.namespace} is not ready for workflows: ${String(lastError)}`);
        if (Date.now() - lastLog > 10000) {
          log(`[temporal-pg] waiting for namespace ${s.namespace} and its search attributes to reach the caches… ${Math.round((Date.now() - started) / 1000)} s`);
          lastLog = Date.now();
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await connection.close();
  }
}

/** Stops the server recorded in the pid file (SIGTERM, then SIGKILL after 20 s). */
export async function stopPgServer(s: PgServerSettings, log: Log = defaultLog): Promise<boolean> {
  const pid = runningPid(s);
  if (!pid) {
    log(`[temporal-pg] no server running for port ${s.port}`);
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  fs.rmSync(pidFile(s), { force: true });
  log(`[temporal-pg] stopped pid ${pid}`);
  return true;
}

async function main(): Promise<void> {
  const flags = new Set(process.argv.slice(2));
  for (const f of flags) {
    if (!['--detach', '--stop', '--fresh', '--build'].includes(f)) throw new Error(`unknown flag ${f} (use --detach, --stop, --fresh, --build)`);
  }
  const s = settingsFromEnv();
  if (flags.has('--stop')) {
    await stopPgServer(s);
    return;
  }
  const bin = await resolveServerBinaries();
  if (flags.has('--build')) {
    console.log(bin.server);
    return;
  }
  if (flags.has('--fresh')) {
    await stopPgServer(s, () => undefined);
    await dropDatabases(s, defaultLog);
  }
  if (!runningPid(s)) await setupSchemas(s, bin, defaultLog);
  const detach = flags.has('--detach');
  const srv = await startPgServer(s, bin, { detach });
  console.log(`[temporal-pg] ready: TEMPORAL_ADDRESS=${srv.address} TEMPORAL_NAMESPACE=${s.namespace} (${s.shards} history shards; databases ${s.database}, ${s.visibilityDatabase})`);
  if (detach || srv.reused) return;
  // Foreground: the server lives as long as this process.
  const child = srv.child!;
  const stop = () => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 20000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  fs.rmSync(pidFile(s), { force: true });
  console.log('[temporal-pg] server stopped');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[temporal-pg] ${(err as Error).message}`);
    process.exit(1);
  });
}
