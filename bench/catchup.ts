/**
 * `npm run bench:catchup -- [--n 200] [--down 20] [--lead <s>] [--server dev|pg-private|pg]
 *   [--skip-baseline]` (needs DATABASE_URL: worker and API as separate processes): catch-up after
 * downtime.
 *
 * N notices are issued through the API with their acknowledgement deadline at one instant; then
 * the whole system stops — the worker and the API (SIGTERM, as a deploy or a shutdown does) and
 * the Temporal server (`--server dev`: the file-backed dev server; `--server pg-private`: a
 * Temporal server on PostgreSQL of this run's own; `--server pg`: a shared running server is not
 * stopped, only the processes) — and stays down until `--down` seconds after the deadline.
 * Then everything starts again, and the benchmark reads the records' database until every notice
 * has its `overdue` and its first `escalated` event (level 1: the overdue with its message, the
 * plan of the escalation, the escalation record with its two messages — three activities since
 * patch step-one-activity, six before).
 * Reported: the time from the restart to the last record, and each notice's record time after the
 * restart (p50/p95/max).
 *
 * Baseline, first, on the same server in the same run: N bare workflows whose timers fall due
 * while everything is stopped, each followed by one no-op activity (bench/baseline-workflows.ts),
 * the worker in this process; the time from the restart until the last one ran.
 */
import { fastPolicy } from '../test/support/stack';
import { clusterToken, startCluster, type Proc } from '../test/support/processes';
import { baselineWorker, bundle, fmtMs, header, issueNotice, num, parseFlags, percentile, pool, SERVER_FLAGS, summary, temporalUnderTest, type TemporalUnderTest } from './lib';

const sleepUntil = async (t: number) => {
  while (Date.now() < t) await new Promise((r) => setTimeout(r, Math.min(1000, t - Date.now())));
};

/** Stops the server (when this run owns it) and waits until `until`; starts it again; returns when it answers. */
async function downtime(temporal: TemporalUnderTest, until: number): Promise<{ restartedAt: number; serverReadyMs: number }> {
  await temporal.halt?.();
  await sleepUntil(until);
  const restartedAt = Date.now();
  await temporal.resume?.();
  return { restartedAt, serverReadyMs: Date.now() - restartedAt };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), [...SERVER_FLAGS, 'n', 'down', 'lead', 'concurrency', 'skip-baseline']);
  const n = num(flags, 'n', 200);
  const downS = num(flags, 'down', 20);
  const c = num(flags, 'concurrency', 16);
  if (!process.env.DATABASE_URL) throw new Error('bench:catchup needs DATABASE_URL (PostgreSQL): the worker and the API run as separate processes, and PGlite allows one');
  const temporal = await temporalUnderTest(flags);
  const stopsServer = !!temporal.halt;
  header(`catch-up: ${n} acknowledgement deadlines passing while the system is stopped, beside ${n} bare timers`, temporal, [
    `stopped:  worker and API processes${stopsServer ? ' and the Temporal server' : ' (the shared Temporal server keeps running)'}; restarted ${downS} s after the deadlines`,
  ]);
  try {
    // ---- baseline: bare timers due while everything is stopped, then one no-op activity ----
    if (!flags['skip-baseline']) {
      const ran = new Map<string, number>();
      const activities = {
        noop: () => Promise.resolve(),
        fired: (key: string) => {
          if (!ran.has(key)) ran.set(key, Date.now());
          return Promise.resolve(0);
        },
      };
      let bare = await baselineWorker(temporal, activities);
      const taskQueue = bare.taskQueue;
      const due = Date.now() + num(flags, 'lead', Math.max(20, n / 20)) * 1000;
      await pool(n, 32, async (i) => {
        const h = await bare.client.workflow.start('bareTimerWorkflow', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [`k${i}`, due] });
        // Its first workflow task done (the timer is set), as a notice's is once issued.
        await h.query('__stack_trace');
      });
      if (Date.now() > due) throw new Error(`starting the bare timers overran their due time by ${fmtMs(Date.now() - due)}: raise --lead`);
      await bare.stop();
      const { restartedAt, serverReadyMs } = await downtime(temporal, due + downS * 1000);
      bare = await baselineWorker(temporal, activities, { taskQueue });
      const bareWorkerMs = Date.now() - restartedAt;
      const deadline = Date.now() + 1_800_000;
      while (ran.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const after = [...ran.values()].map((t) => t - restartedAt);
      await bare.stop();
      console.log(
        `baseline  ${n} bare timers → no-op activity: the last ran ${fmtMs(Math.max(...after))} after the restart, ${fmtMs(Math.max(...after) - bareWorkerMs)} after its worker polled (server answering after ${fmtMs(serverReadyMs)}, worker after ${fmtMs(bareWorkerMs)}, in this process); each after the restart ${summary(after)}${ran.size < n ? ` — only ${ran.size} of ${n} within 30 min` : ''}`,
      );
    }

    // ---- cyberduty: N notices whose acknowledgement deadlines pass while stopped ----
    process.env.TEMPORAL_TEST_ADDRESS = temporal.address;
    process.env.TEMPORAL_TEST_BUNDLE ??= await bundle(require.resolve('../workflows'));
    // No reminders (only the deadline fires); level 1 has an hour to decide (no second level meanwhile).
    const cluster = await startCluster({ policy: fastPolicy({ ack: 'PT1H', rectify: 'PT2H', ackReminders: [], decide: 'PT1H' }), env: { LOG_LEVEL: 'warn' } });
    const procs: Proc[] = [];
    try {
      // `worker running` is an info line: the worker logs at info, the API at warn.
      procs.push(await cluster.worker('worker', { LOG_LEVEL: 'info' }));
      const api = await cluster.api('api');
      procs.push(api);
      const office = await clusterToken(cluster.dataDir, 'p-chen-jing');
      const issueStarted = Date.now();
      // Issue rate through the API on this machine: 25–35 per second idle, a few under heavy load
      // (then raise --lead); lead enough for 8 per second.
      const due = issueStarted + num(flags, 'lead', Math.max(40, n / 8)) * 1000;
      let retries = 0;
      await pool(n, c, async (i) => {
        const r = await issueNotice(
          api.url,
          office,
          {
            unitId: 'cs',
            title: `停机补偿测试 ${i}`,
            category: 'vulnerability',
            severity: 'medium',
            description: 'bench',
            acknowledgeBy: new Date(due).toISOString(),
            rectifyBy: new Date(due + 3_600_000).toISOString(),
          },
          `bench-catchup-${issueStarted}-${i}`,
        );
        retries += r.retries;
      });
      const issuedMs = Date.now() - issueStarted;
      console.log(`issued ${n} notices in ${fmtMs(issuedMs)} (${(n / (issuedMs / 1000)).toFixed(1)}/s, ${c} at a time, ${retries} repeated after a 503); deadline ${fmtMs(due - Date.now())} later`);
      if (Date.now() > due - 2000) throw new Error(`issuing overran the deadline by ${fmtMs(Date.now() - due)}: raise --lead`);
      // Stop everything: the processes (graceful), then the server.
      for (const p of procs.splice(0)) await cluster.stop(p, 'SIGTERM');
      const early = (await cluster.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notice_events WHERE type = 'overdue'`)).rows[0].n;
      if (early > 0) throw new Error(`${early} overdue records before the stop: raise --lead`);
      const { restartedAt, serverReadyMs } = await downtime(temporal, due + downS * 1000);
      procs.push(await cluster.worker('worker-after', { LOG_LEVEL: 'info' }));
      const workerReadyMs = Date.now() - restartedAt;
      // The API starts beside the catch-up (it takes no part in it), as it would in a restart.
      const apiAfter = cluster.api('api-after').then((p) => void procs.push(p));
      // Polled: when each notice's rows were first seen written (within the 0.5 s poll) — the
      // events' own `at` is the workflow's time when it decided, before the activity wrote them.
      const seen = { overdue: new Map<string, number>(), escalated: new Map<string, number>() };
      const deadline = Date.now() + 1_800_000;
      let lastLine = Date.now();
      while (Date.now() < deadline && (seen.overdue.size < n || seen.escalated.size < n)) {
        const r = await cluster.db.query<{ notice_id: string; type: 'overdue' | 'escalated' }>(
          `SELECT DISTINCT notice_id, type FROM notice_events WHERE type IN ('overdue', 'escalated')`,
        );
        const now = Date.now();
        for (const row of r.rows) if (!seen[row.type].has(row.notice_id)) seen[row.type].set(row.notice_id, now - restartedAt);
        if (now - lastLine > 30_000) {
          console.log(`  … ${fmtMs(now - restartedAt)} after the restart: ${seen.overdue.size} overdue, ${seen.escalated.size} escalated recorded`);
          lastLine = now;
        }
        await new Promise((res) => setTimeout(res, 500));
      }
      const decided = (
        await cluster.db.query<{ at: Date }>(`SELECT min(at) AS at FROM notice_events WHERE type = 'escalated' GROUP BY notice_id`)
      ).rows.map((r) => new Date(r.at).getTime() - restartedAt);
      const overdue = [...seen.overdue.values()];
      const escalated = [...seen.escalated.values()].sort((a, b) => a - b);
      const lastMs = Math.max(...overdue, ...escalated);
      await apiAfter;
      console.log(`restart: Temporal server answering after ${fmtMs(serverReadyMs)}${stopsServer ? '' : ' (not stopped)'}, worker polling after ${fmtMs(workerReadyMs)}`);
      console.log(`overdue written, after the restart:                ${summary(overdue)}${overdue.length < n ? ` — only ${overdue.length} of ${n} within 30 min` : ''}`);
      console.log(`first escalation written, after the restart:       ${summary(escalated)}${escalated.length < n ? ` — only ${escalated.length} of ${n} within 30 min` : ''}`);
      console.log(`first escalation decided (its event's time):       ${summary(decided)}`);
      console.log(
        `every overdue and first escalation recorded ${fmtMs(lastMs)} after the restart, ${fmtMs(lastMs - workerReadyMs)} after the worker polled (${(n / ((lastMs - workerReadyMs) / 1000)).toFixed(1)} notices/s; p50 notice ${fmtMs(percentile(escalated, 50))})`,
      );
    } finally {
      await cluster.close();
    }
  } finally {
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
