/**
 * Finds or builds the Temporal CLI, and runs its dev server.
 *
 * Order: TEMPORAL_CLI_PATH → the per-user cached build → `temporal` on PATH → build it with Go from
 * the module proxy into the cache (minutes, once per machine; fresh clones on the same machine
 * find it) → undefined, so the caller can fall back to the SDK's own download (needs internet).
 * v1.5.1 is the last release whose go.mod has no replace directive, so `go install` works.
 *
 * Run directly (`npm run temporal:cli`) it prints the path, building first if needed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.5.1';

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cyberduty', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function findGo(): string | undefined {
  if (process.env.GO && isExecutable(process.env.GO)) return process.env.GO;
  return onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

type Log = (line: string) => void;

/**
 * What a cold build took on the project's machine (2 cores, Go module cache already filled), as
 * recorded in the README: about 4 minutes with the cores to itself (the first build, 19:08–19:12),
 * 26 minutes while eight people ran tests beside it (it got 26 % of the CPU; 6.9 CPU-minutes).
 * Said before a build on a machine that has not built one yet, so a newcomer knows the wait is expected.
 */
export const REFERENCE_BUILD = { idleSeconds: 240, busySeconds: 1564 };

/** Where the last build's duration on this machine is kept, to say how long the next one takes. */
function buildTimesFile(): string {
  return path.join(path.dirname(cacheDir()), 'temporal-cli-build-seconds');
}

function lastBuildSeconds(): number | undefined {
  try {
    const n = Number(fs.readFileSync(buildTimesFile(), 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}

export interface ResolveOptions {
  log?: Log;
  /** How often a running build says it is still running (tests shorten it). */
  progressEveryMs?: number;
}

/** Finds the CLI without building; undefined when a build (or the SDK download) is needed. */
export function findTemporalCli(): string | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const cached = path.join(cacheDir(), 'temporal');
  if (isExecutable(cached)) return cached;
  return onPath('temporal');
}

/**
 * Returns the CLI's path, building it if needed; undefined when neither found nor buildable.
 * The build runs as a child process the event loop waits on (not spawnSync), so the progress
 * lines actually appear while Go works.
 */
export async function resolveTemporalCli(opts: ResolveOptions | Log = {}): Promise<string | undefined> {
  const o: ResolveOptions = typeof opts === 'function' ? { log: opts } : opts;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const found = findTemporalCli();
  if (found) return found;
  const go = findGo();
  if (!go) return undefined;
  return buildWithGo(go, log, o.progressEveryMs ?? 30000);
}

async function buildWithGo(go: string, log: Log, progressEveryMs: number): Promise<string> {
  const dir = cacheDir();
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, 'temporal');
  // Build into a private folder and rename, so a concurrent or interrupted build never leaves a
  // half-written binary where others look for it.
  const tmp = fs.mkdtempSync(path.join(dir, 'build-'));
  const usual = lastBuildSeconds();
  log(`[temporal-cli] Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with ${go} (once per machine) — 正在构建 Temporal CLI（每台机器一次）`);
  log(
    usual
      ? `[temporal-cli] the last build on this machine took ${minutes(usual)}; progress every ${Math.round(progressEveryMs / 1000)} s / 上次构建用时 ${minutes(usual)}`
      : `[temporal-cli] this usually takes about ${minutes(REFERENCE_BUILD.idleSeconds)} on 2 idle cores, up to ${minutes(REFERENCE_BUILD.busySeconds)} on a busy machine; ` +
        `progress every ${Math.round(progressEveryMs / 1000)} s / 通常约需 ${minutes(REFERENCE_BUILD.idleSeconds)}（机器繁忙时可达 ${minutes(REFERENCE_BUILD.busySeconds)}）`,
  );
  log(`[temporal-cli] cache: ${dir}`);
  const started = Date.now();
  const ticker = setInterval(() => log(`[temporal-cli] still building… ${Math.round((Date.now() - started) / 1000)} s / 仍在构建…`), progressEveryMs);
  try {
    const child = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: tmp, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    // If we are interrupted, the build must not outlive us (the tmp folder is removed anyway).
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const code = await new Promise<number | string>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, sig) => resolve(c ?? sig ?? 'unknown'));
    }).finally(() => process.removeListener('exit', killOnExit));
    if (code !== 0) throw new Error(`go install of the Temporal CLI failed (exit ${code})`);
    fs.renameSync(path.join(tmp, 'temporal'), target);
  } finally {
    clearInterval(ticker);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  fs.writeFileSync(buildTimesFile(), `${seconds}\n`);
  log(`[temporal-cli] built in ${seconds} s: ${target}`);
  return target;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface DevServerOptions {
  cliPath: string;
  port: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  /** SQLite file to persist to; omit for in-memory. */
  dbFilename?: string;
  namespace?: string;
  extraArgs?: string[];
  log?: Log;
  /** How long to wait for the server to answer (a first start on a fresh file can be slow). */
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` as a child process and waits until it accepts connections. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace ?? 'default',
    '--log-level',
    'warn',
    // What the SDK's own CI uses: much faster SQLite.
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : []),
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited: number | null | undefined;
  // If we die (even on an uncaught exception) the server must not outlive us.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.on('exit', (code) => {
    exited = code;
    process.removeListener('exit', killOnExit);
  });
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120000);
  const started = Date.now();
  let lastLog = started;
  while (!(await canConnect(opts.port))) {
    if (exited !== undefined) throw new Error(`Temporal dev server exited (${exited}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Temporal dev server did not come up on ${address} in time:\n${output}`);
    }
    if (Date.now() - lastLog > 5000) {
      log(`[temporal] waiting for the dev server on ${address}… ${Math.round((Date.now() - started) / 1000)} s`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    async stop() {
      if (exited !== undefined) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await done;
      clearTimeout(timer);
    },
  };
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

if (require.main === module) {
  void resolveTemporalCli().then((p) => {
    if (!p) {
      console.error('No Temporal CLI found and no Go toolchain to build one. Set TEMPORAL_CLI_PATH, or go online: npm start then uses the SDK download.');
      process.exit(1);
    }
    console.log(p);
  });
}
