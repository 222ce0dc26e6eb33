/**
 * The production shape for tests: `npm run api` and `npm run worker` as real child processes
 * (their entry points, through @swc-node/register), on the run's Temporal dev server and a
 * PostgreSQL schema of the test's own, reached directly or through a proxy the test controls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { openDb, type Db } from '../../db/client';
import { migrate } from '../../db/migrate';
import { freePort } from '../../scripts/temporal-cli';
import type { Policy } from '../../domain/policy';
import { SMALL_ORG } from './stack';
import { eventually } from './wait';

const ROOT = path.join(__dirname, '..', '..');

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Everything it printed (JSON log lines). */
  output(): string;
  exited: Promise<number | null>;
}

export interface Cluster {
  /** The schema's database, reached directly (not through the proxy). */
  db: Db;
  schema: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  procs: Proc[];
  api(name: string, extra?: NodeJS.ProcessEnv): Promise<Proc & { url: string }>;
  worker(name: string, extra?: NodeJS.ProcessEnv): Promise<Proc>;
  /** SIGTERM (graceful) or SIGKILL; resolves with the exit code once it has exited. */
  stop(p: Proc, signal?: NodeJS.Signals): Promise<number | null>;
  close(): Promise<void>;
}

/** Needs DATABASE_URL (PostgreSQL): PGlite is one process only. */
export async function startCluster(opts: { policy: Policy; databaseUrl?: string; env?: NodeJS.ProcessEnv }): Promise<Cluster> {
  const url = process.env.DATABASE_URL;
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  const bundle = process.env.TEMPORAL_TEST_BUNDLE;
  if (!url || !address || !bundle) throw new Error('startCluster needs DATABASE_URL and the run’s Temporal server');
  const schema = `c_${Date.now().toString(36)}_${crypto.randomBytes(3).toString('hex')}`;
  const db = await openDb({ databaseUrl: url, schema });
  await migrate(db);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-cluster-'));
  const policyFile = path.join(dataDir, 'policy.yaml');
  fs.writeFileSync(policyFile, stringify(opts.policy));
  const appUrl = new URL(opts.databaseUrl ?? url);
  appUrl.searchParams.set('options', `-c search_path=${schema}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    DATABASE_URL: appUrl.toString(),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `cluster-${schema}`,
    WORKFLOW_BUNDLE: bundle,
    POLICY_FILE: policyFile,
    ORG_FILE: SMALL_ORG,
    ID_PREFIX: `C${crypto.randomBytes(3).toString('hex').toUpperCase()}`,
    PUBLIC_URL: 'http://cyberduty.test',
    NOTIFY_POLL_MS: '200',
    NOTIFY_BACKOFF_MS: '200',
    NOTIFY_BACKOFF_MAX_MS: '2000',
    NOTIFY_LEASE_MS: '10000',
    NOTIFY_SEND_TIMEOUT_MS: '3000',
    SHUTDOWN_GRACE_MS: '5000',
    RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'info',
    ...opts.env,
  };
  const procs: Proc[] = [];

  const spawnProc = (name: string, entry: string, extra: NodeJS.ProcessEnv): Proc => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], { cwd: ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const p: Proc = { name, child, output: () => out, exited };
    procs.push(p);
    return p;
  };

  const cluster: Cluster = {
    db,
    schema,
    dataDir,
    env,
    procs,
    async api(name, extra = {}) {
      const port = await freePort();
      const p = spawnProc(name, 'api/main.ts', { PORT: String(port), ...extra });
      const url = `http://127.0.0.1:${port}`;
      await eventually(async () => {
        if (p.child.exitCode !== null) throw new Error(`${name} exited: ${p.output().slice(-2000)}`);
        return (await fetch(`${url}/readyz`).catch(() => null))?.status === 200;
      }, 90000, `${name} to be ready`);
      return { ...p, url };
    },
    async worker(name, extra = {}) {
      const p = spawnProc(name, 'worker/main.ts', extra);
      await eventually(() => {
        if (p.child.exitCode !== null) throw new Error(`${name} exited: ${p.output().slice(-2000)}`);
        return Promise.resolve(p.output().includes('"msg":"worker running"'));
      }, 90000, `${name} to run`);
      return p;
    },
    stop(p, signal = 'SIGTERM') {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
      return p.exited;
    },
    async close() {
      for (const p of procs) {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await p.exited;
      }
      await db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** A token for `personId`, signed with the cluster's embedded key (DATA_DIR/…), as `npm run token` does. */
export async function clusterToken(dataDir: string, personId: string): Promise<string> {
  const { createTokenService, loadOrCreateSigningKey } = await import('../../api/auth');
  return createTokenService({ embeddedKey: loadOrCreateSigningKey(dataDir) }).sign(personId);
}
