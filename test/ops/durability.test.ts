/**
 * Durability under faults, with real processes (`npm run api`, `npm run worker`), a file-backed
 * Temporal dev server of this test's own, PostgreSQL behind a TCP proxy the test controls, and a
 * real SMTP server. One notice escalates level by level on second-scale timers while, in turn:
 *   1. the worker is SIGKILLed just after level 1 is reached, and a new one started after level 1's
 *      decision time has passed while nobody ran;
 *   2. the Temporal server is stopped and started again (same SQLite file): actions answer 503
 *      meanwhile, /readyz says "temporal unavailable";
 *   3. the records' database is cut off for 30 s (the proxy drops every connection and refuses new
 *      ones) across level 3's deadline: the API answers 503 with a clear message and /readyz says so; the
 *      worker's activities retry; everything recovers by itself when it is back;
 *   4. the SMTP server and the unit's DingTalk robot webhook are down when level 5 is reached: its
 *      e-mails and group posts fail, retry, and go out once they are back.
 * Then, against the outbox, the timeline and the audit chain: every level reached once, the
 * deadline fired once, every e-mail row sent and received, no Message-ID received twice, every
 * robot post received once, the audit chain verifies. PostgreSQL only (several processes). The scenario's parts are shared with
 * durability-pg.test.ts (the Temporal server on PostgreSQL) through test/support/durability.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findTemporalCli, freePort, startDevServer, type DevServer } from '../../scripts/temporal-cli';
import { devServerSearchAttributeArgs } from '../../workflows/search-attributes';
import {
  expectNothingLostNothingTwice,
  expectTemporalDown,
  issueNotice,
  probes,
  readyAgain,
  receivedTwice,
  startDurabilityCluster,
  topOfChainThenWithdraw,
  type Api,
} from '../support/durability';
import type { Cluster, Proc } from '../support/processes';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { eventually } from '../support/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const ROBOT_SECRET = 'SEC-durability';

const d = process.env.DATABASE_URL ? describe : describe.skip;

d('durability: worker SIGKILL, Temporal restart, database and SMTP outages during an escalation', () => {
  let c: Cluster;
  let sink: SmtpSink;
  let hooks: WebhookReceiver;
  let proxy: TcpProxy;
  let temporal: DevServer;
  let temporalPort: number;
  let temporalFile: string;
  let api: Api;
  let worker: Proc;
  // Found, not built: the run's globalSetup has found or built it already.
  const cli = findTemporalCli();

  const startTemporal = async () =>
    startDevServer({ cliPath: cli!, port: temporalPort, dbFilename: temporalFile, extraArgs: devServerSearchAttributeArgs(), log: () => undefined });

  beforeAll(async () => {
    const pg = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    const viaProxy = new URL(process.env.DATABASE_URL!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    sink = await startSmtpSink();
    hooks = await startWebhookReceiver();
    hooks.setSecret('cs-group', ROBOT_SECRET);
    temporalPort = await freePort();
    temporalFile = path.join(fs.mkdtempSync('/tmp/cyberduty-temporal-'), 'temporal.db');
    temporal = await startTemporal();
    c = await startDurabilityCluster({ temporalAddress: temporal.address, sink, databaseUrl: viaProxy.toString() });
    worker = await c.worker('worker-1');
    api = await c.api('api-1');
  }, 240000);

  afterAll(async () => {
    await c?.close();
    await temporal?.stop();
    await proxy?.close();
    await sink?.stop();
    await hooks?.close();
    if (temporalFile) fs.rmSync(path.dirname(temporalFile), { recursive: true, force: true });
  });

  test('every level once, every e-mail once, nothing lost, the audit chain intact', async () => {
    const p = await probes(c);
    // The unit's group robot (DingTalk, signed) gets the unit's posts beside the e-mails.
    const robot = await fetch(`${api.url}/api/notification-channels/unit/cs/dingtalk`, {
      method: 'PUT',
      headers: p.office,
      body: JSON.stringify({ webhookUrl: hooks.url('dingtalk', 'cs-group'), secret: ROBOT_SECRET }),
    });
    expect(robot.status).toBe(200);
    const id = await issueNotice(api, p);

    // 1. SIGKILL the worker once level 1 is reached and its e-mails are out; restart it only after
    //    level 1's decision time has passed while no worker ran.
    await p.reached(id, 1);
    await p.emailsAllSent(id);
    await c.stop(worker, 'SIGKILL');
    await p.decideByPassed(id);
    worker = await c.worker('worker-2');
    await p.reached(id, 2);

    // 2. Temporal down and up again (same file).
    await temporal.stop();
    await expectTemporalDown(api, p, id);
    temporal = await startTemporal();

    // 3. The database cut off across level 3's deadline. Each fault below is set off by the state
    //    it needs (read directly, polled every 100 ms), never after a wait of the test's own: level 3
    //    has 6 s, and in two loaded runs the API's own return to readiness after Temporal's restart,
    //    or the wait for every e-mail, outlasted levels 3 and 4 (the cut then came after level 5).
    //    The API's readiness after Temporal's return is checked with the database's, below; e-mails
    //    of level 3 still in flight are recorded once the database is back (the dispatcher retries
    //    its record), and every one is checked at the end.
    await p.reached(id, 3);
    await proxy.cut();
    const cutAt = Date.now();
    expect(await p.levels(id)).not.toContain(4);
    const list = await fetch(`${api.url}/api/notices`, { headers: p.office });
    expect(list.status).toBe(503);
    expect(((await list.json()) as { error: string }).error).toBe('数据库暂时不可用，请稍后重试 / The database is unavailable for now; try again shortly');
    const dbDown = (await (await fetch(`${api.url}/readyz`)).json()) as { status: string; checks: { database: string } };
    expect(dbDown.status).toBe('unavailable');
    expect(dbDown.checks.database).toMatch(/^unavailable/);
    await p.decideByPassed(id); // read directly, not through the proxy
    // The level-3 timeout fires while the database is away: its record fails and is retried, not
    // lost. The worker's log says which workflow's activity failed (structured, with its ids); the
    // database stays cut until it has.
    const failures = () =>
      worker
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; workflowId?: string; activityType?: string })
        .filter((l) => l.level >= 40 && l.workflowId === `notice-${id}` && l.activityType);
    await eventually(() => Promise.resolve(failures().length > 0), 60000, 'an activity of the notice to fail while the database is cut');
    // The outage lasts 30 s, as issue 13 asks: three times the cluster's 10 s notification lease,
    // so rows claimed or sent just before the cut outlive their leases (the double sends this
    // found, above). The length of the outage is what is tested, so this is a hold, not a wait.
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 30_000 - Date.now())));
    const stillDown = await fetch(`${api.url}/api/notices`, { headers: p.office });
    expect(stillDown.status).toBe(503);
    await proxy.restore();

    // 4. SMTP and the robot webhook down when level 5 is reached (the webhook answering 503 to
    //    every post): its e-mails and group posts fail, then go out once both are back. Set off by
    //    level 4's record, so level 5 (6 s on) surely finds them down; level 4's own e-mails may
    //    go out before or after.
    await p.reached(id, 4);
    await sink.stop();
    hooks.failNext(1_000_000, { status: 503 });
    expect(await p.levels(id)).not.toContain(5);
    await readyAgain(api, 'Temporal and the database are back');
    expect((await fetch(`${api.url}/api/notices`, { headers: p.office })).status).toBe(200);
    await p.reached(id, 5);
    // Should a channel's failure not show, the error lists that channel's rows and attempts.
    const failedOn = async (channel: string) => {
      try {
        await eventually(async () => {
          const r = await c.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM notification_attempts a JOIN notification_outbox o ON o.id = a.outbox_id
              WHERE o.ref_id = $1 AND o.channel = $2 AND a.result = 'error'`,
            [id, channel],
          );
          return r.rows[0].n > 0;
        }, 60000, `a ${channel} attempt to fail while it is down`);
      } catch (err) {
        const rows = await c.db.query(
          `SELECT o.id, o.status, o.attempts, o.next_attempt_at, o.created_at, now() AS now,
                  (SELECT json_agg(a.result ORDER BY a.attempt) FROM notification_attempts a WHERE a.outbox_id = o.id) AS results
             FROM notification_outbox o WHERE o.ref_id = $1 AND o.channel = $2 ORDER BY o.id`,
          [id, channel],
        );
        throw new Error(`${(err as Error).message}\n${channel} rows: ${JSON.stringify(rows.rows)}\nworker log tail: ${worker.output().slice(-4000)}`);
      }
    };
    await failedOn('email');
    await failedOn('dingtalk');
    await sink.start();
    hooks.failNext(0);
    await topOfChainThenWithdraw(c, api, p, id);
    await expectNothingLostNothingTwice(c, api, sink, p, id);
    // Every group post of the notice sent (checked above: no row left pending or failed) and
    // received once, signed as DingTalk requires.
    const posts = (await c.db.query<{ idempotency_key: string }>(`SELECT idempotency_key FROM notification_outbox WHERE ref_id = $1 AND channel = 'dingtalk'`, [id])).rows;
    expect(posts.length).toBeGreaterThan(0);
    const keys = new Set(posts.map((r) => r.idempotency_key));
    const got = hooks.messages.filter((m) => m.key && keys.has(m.key));
    expect(new Set(got.map((m) => m.key))).toEqual(keys);
    expect(await receivedTwice(c, keys, got)).toEqual([]);
    expect(got).toHaveLength(keys.size);
    expect(hooks.rejections.filter((r) => r.reason !== 'scripted failure')).toEqual([]);
  }, 300000);
});
