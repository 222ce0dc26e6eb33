/**
 * Durability with the Temporal server on PostgreSQL (the production shape, `npm run temporal:pg`)
 * rather than the file-backed dev server of durability.test.ts: the test starts a server of its
 * own, in databases of its own (`cyberduty_test_durpg`, `…_visibility`, dropped first) on ports of
 * its own, with real `npm run api`/`npm run worker` processes on it and on the local PostgreSQL
 * records' database, and a real SMTP server. One notice escalates level by level on second-scale
 * timers while the Temporal server is, in turn:
 *   1. stopped with SIGTERM once level 1 is reached, kept down until level 1's decision time has
 *      passed, and started again on the same databases;
 *   2. killed with SIGKILL once level 2 is reached (no shutdown: shards, task queues and the
 *      membership ring are left as they were), kept down across level 2's decision time, and
 *      started again.
 * Each time, meanwhile, an action answers 503 with its message and /readyz says temporal
 * unavailable. Then the checks of durability.test.ts (test/support/durability.ts): every level once,
 * the deadline once, every e-mail once (Message-IDs at the SMTP server), the audit chain verifies.
 *
 * Needs DATABASE_URL and the server binaries in the per-user cache (`npm run temporal:pg -- --build`
 * puts them there; CI's third pass has them): the test finds them and never builds them.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  dropDatabases,
  findServerBinaries,
  serverCacheDir,
  settingsFromEnv,
  setupSchemas,
  startPgServer,
  stopPgServer,
  type PgServerSettings,
  type StartedServer,
} from '../../scripts/temporal-pg';
import {
  expectNothingLostNothingTwice,
  expectTemporalDown,
  issueNotice,
  probes,
  readyAgain,
  startDurabilityCluster,
  topOfChainThenWithdraw,
  type Api,
} from '../support/durability';
import type { Cluster } from '../support/processes';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';

const DATABASE = 'cyberduty_test_durpg';
const bin = findServerBinaries();
const skip = !process.env.DATABASE_URL
  ? 'DATABASE_URL is not set'
  : !bin
    ? `no Temporal server binaries in ${serverCacheDir()} (build them with: npm run temporal:pg -- --build)`
    : undefined;
// Silent when there is no PostgreSQL at all (the PGlite pass skips every multi-process test);
// said aloud when PostgreSQL is there but the server is not.
if (process.env.DATABASE_URL && skip) console.warn(`[durability-pg] skipped: ${skip}`);
const d = skip ? describe.skip : describe;

/** `n` consecutive free ports below Linux's ephemeral range (32768+), where clients' ports are not drawn from. */
async function freePortRange(n: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (32000 - 20000 - n));
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

d(`durability on the Temporal server on PostgreSQL: SIGTERM and SIGKILL during an escalation${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let settings: PgServerSettings;
  let stateRoot: string;
  let server: StartedServer | undefined;
  let lock: pg.Client | undefined;
  let c: Cluster;
  let sink: SmtpSink;
  let api: Api;
  const outages: string[] = [];

  const start = async () => {
    server = await startPgServer(settings, bin!, { detach: false, log: () => undefined, readyTimeoutMs: 90000 });
  };
  const alive = () => server?.child && server.child.exitCode === null && server.child.signalCode === null;
  const kill = async () => {
    const child = server!.child!;
    const exited = new Promise((r) => child.once('exit', r));
    if (alive()) child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await exited;
  };

  beforeAll(async () => {
    const url = new URL(process.env.DATABASE_URL!);
    // One run at a time on this machine: the databases have a fixed name (so a crashed run's are
    // dropped by the next) and a second run would drop the first one's under its server. The lock
    // goes with this connection, so a run that dies releases it.
    lock = new pg.Client({ connectionString: url.toString() });
    await lock.connect();
    await lock.query(`SET lock_timeout = '150s'`);
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [DATABASE]);
    const base = await freePortRange(10);
    stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-durpg-'));
    settings = settingsFromEnv({
      TEMPORAL_PG_PORT: String(base),
      TEMPORAL_PG_PORT_BASE: String(base + 1),
      TEMPORAL_PG_DATABASE: DATABASE,
      TEMPORAL_PG_HOST: url.hostname,
      TEMPORAL_PG_DB_PORT: url.port || '5432',
      TEMPORAL_PG_USER: decodeURIComponent(url.username) || 'postgres',
      TEMPORAL_PG_PASSWORD: decodeURIComponent(url.password),
      // Small pools: this server runs beside CI's own (and the tests' connections) within
      // PostgreSQL's max_connections (100); one escalation needs few.
      TEMPORAL_PG_MAX_CONNS: '3',
      TEMPORAL_PG_VISIBILITY_MAX_CONNS: '1',
      DATA_DIR: stateRoot,
    });
    await dropDatabases(settings, () => undefined);
    await setupSchemas(settings, bin!, () => undefined);
    await start();
    sink = await startSmtpSink();
    c = await startDurabilityCluster({ temporalAddress: server!.address, sink });
    await c.worker('worker-1');
    api = await c.api('api-1');
  }, 240000);

  afterAll(async () => {
    await c?.close();
    if (settings) {
      if (alive()) await stopPgServer(settings, () => undefined);
      if (alive()) await kill();
      await dropDatabases(settings, () => undefined).catch(() => undefined);
    }
    if (stateRoot) fs.rmSync(stateRoot, { recursive: true, force: true });
    await sink?.stop();
    await lock?.end();
    if (outages.length) console.log(`[durability-pg] ${outages.join('; ')}`);
  }, 60000);

  test('every level once, every e-mail once, nothing lost, the audit chain intact', async () => {
    const p = await probes(c);
    const id = await issueNotice(api, p);
    await p.reached(id, 1);
    await p.emailsAllSent(id);

    // 1. SIGTERM: the server shuts down in order (stopPgServer would SIGKILL after 20 s; it must
    //    not need to). Level 1's decision time passes while it is down.
    let t0 = Date.now();
    const graceful = server!.child!;
    await stopPgServer(settings, () => undefined);
    expect(graceful.signalCode).not.toBe('SIGKILL');
    const stopMs = Date.now() - t0;
    await expectTemporalDown(api, p, id);
    await p.decideByPassed(id);
    t0 = Date.now();
    await start();
    await readyAgain(api, 'the Temporal server is back (after SIGTERM)');
    outages.push(`SIGTERM stop ${stopMs} ms, start to ready ${Date.now() - t0} ms`);
    await p.reached(id, 2);
    await p.emailsAllSent(id);

    // 2. SIGKILL: no shutdown at all; level 2's decision time passes while it is down.
    await kill();
    expect(server!.child!.signalCode).toBe('SIGKILL');
    await expectTemporalDown(api, p, id);
    await p.decideByPassed(id);
    t0 = Date.now();
    await start();
    await readyAgain(api, 'the Temporal server is back (after SIGKILL)');
    outages.push(`after SIGKILL start to ready ${Date.now() - t0} ms`);
    await p.reached(id, 3);
    await p.emailsAllSent(id);

    await p.reached(id, 4);
    await p.reached(id, 5);
    await topOfChainThenWithdraw(c, api, p, id);
    await expectNothingLostNothingTwice(c, api, sink, p, id);
  }, 180000);
});
