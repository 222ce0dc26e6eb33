/**
 * `npm run bench:timers -- [--n 1000] [--spread 0] [--server dev|pg] [--address host:port]`:
 * timer precision. N open notices whose acknowledgement reminders fall due at the same instant
 * (or spread evenly over --spread seconds), beside N bare workflows whose timers fall due at the
 * same moments, each followed by one no-op activity — same server, same run, one after the other.
 *
 * Lateness of a reminder = when it was recorded − when it was due, read two ways: `fired` (the
 * reminder_sent event's time: the workflow task that handled the timer) and `delivered` (the
 * in-app message's row: what a person sees). The baseline's: when its no-op activity ran − due.
 * Then one more notice, issued last, whose reminder falls due in the middle of the burst: its
 * lateness alone. The notices are issued through the API (16 at a time) before the due time
 * (--lead seconds ahead; by default enough for the issue rate seen on this machine), --concurrency
 * (8) at a time, repeated with the same Idempotency-Key after a 503.
 */
import { fmtMs, header, num, parseFlags, pool, SERVER_FLAGS, summary, temporalUnderTest, baselineWorker, benchStack, issueNotice } from './lib';
import { fastPolicy } from '../test/support/stack';

const OFFICE = 'p-chen-jing';
const REMINDER_BEFORE_S = 1800; // the policy's reminder offset: 30 min before the deadline

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), [...SERVER_FLAGS, 'n', 'spread', 'lead', 'skip-baseline', 'concurrency']);
  const n = num(flags, 'n', 1000);
  const c = num(flags, 'concurrency', 8);
  const spreadMs = num(flags, 'spread', 0) * 1000;
  const temporal = await temporalUnderTest(flags);
  header(`timer precision: ${n} reminders due ${spreadMs ? `spread over ${spreadMs / 1000} s` : 'at one instant'}, beside ${n} bare timers`, temporal);
  try {
    // ---- baseline: bare timers, each followed by one no-op activity ----
    let base: number[] = [];
    if (!flags['skip-baseline']) {
      const fired = new Map<string, number>();
      const bare = await baselineWorker(temporal, {
        noop: () => Promise.resolve(),
        fired: (key: string, dueMs: number) => {
          const late = Date.now() - dueMs;
          fired.set(key, late);
          return Promise.resolve(late);
        },
      });
      const leadMs = num(flags, 'lead', Math.max(20, n / 40)) * 1000;
      const due0 = Date.now() + leadMs;
      await pool(n, 32, async (i) => {
        const due = due0 + (spreadMs * i) / n;
        await bare.client.workflow.start('bareTimerWorkflow', { taskQueue: bare.taskQueue, workflowId: `bench-timer-${bare.taskQueue}-${i}`, args: [`k${i}`, due] });
      });
      if (Date.now() > due0) throw new Error(`starting the bare timers overran their due time by ${fmtMs(Date.now() - due0)}: raise --lead`);
      const deadline = due0 + spreadMs + 600_000;
      while (fired.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      base = [...fired.values()];
      console.log(`baseline  bare timer → no-op activity ran: ${summary(base)}${fired.size < n ? ` — only ${fired.size} of ${n} within 10 min` : ''}`);
      await bare.stop();
    }

    // ---- cyberduty: N notices whose reminders fall due together ----
    const stack = await benchStack(temporal, { policy: fastPolicy({ ack: 'PT1H', ackReminders: [`PT${REMINDER_BEFORE_S}S`], rectify: 'PT2H', rectifyReminders: [] }) });
    try {
      const token = await stack.tokens.sign(OFFICE);
      const issueStarted = Date.now();
      // Issue rate through the API on this machine, idle: 25–30 per second; lead enough for half
      // that (10,000 in 11 min). On a loaded machine, raise --lead.
      const leadMs = num(flags, 'lead', Math.max(30, n / 15)) * 1000;
      const due0 = Date.now() + leadMs;
      const dueOf = new Map<string, number>();
      let retries = 0;
      const issue = async (due: number, i: number) => {
        const r = await issueNotice(
          stack.url,
          token,
          {
            unitId: 'cs',
            title: '计时精度测试',
            category: 'vulnerability',
            severity: 'high',
            description: 'bench',
            acknowledgeBy: new Date(due + REMINDER_BEFORE_S * 1000).toISOString(),
            rectifyBy: new Date(due + 2 * REMINDER_BEFORE_S * 1000).toISOString(),
          },
          `bench-timers-${issueStarted}-${i}`,
        );
        retries += r.retries;
        dueOf.set(r.id, due);
        return r.id;
      };
      await pool(n, c, async (i) => {
        await issue(due0 + (spreadMs * i) / n, i);
      });
      const probeDue = due0 + spreadMs / 2 + 1000;
      const probeId = await issue(probeDue, n);
      const issueMs = Date.now() - issueStarted;
      console.log(`issued ${n + 1} notices in ${fmtMs(issueMs)} (${((n + 1) / (issueMs / 1000)).toFixed(1)}/s, ${c} at a time, ${retries} repeated after a 503); first reminder due ${fmtMs(due0 - Date.now())} later`);
      if (Date.now() > due0) throw new Error(`issuing overran the due time by ${fmtMs(Date.now() - due0)}: raise --lead`);

      const counts = async () =>
        (
          await stack.db.query<{ fired: number; delivered: number }>(
            `SELECT (SELECT count(*)::int FROM notice_events WHERE type = 'reminder_sent') AS fired,
                    (SELECT count(DISTINCT notice_id)::int FROM inbox_messages WHERE kind = 'reminder') AS delivered`,
          )
        ).rows[0];
      const deadline = due0 + spreadMs + 900_000;
      for (;;) {
        const c = await counts();
        if (c.delivered >= n + 1 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const rows = await stack.db.query<{ notice_id: string; fired: Date; delivered: Date | null }>(
        `SELECT e.notice_id, e.at AS fired,
                (SELECT min(m.created_at) FROM inbox_messages m WHERE m.notice_id = e.notice_id AND m.kind = 'reminder') AS delivered
           FROM notice_events e WHERE e.type = 'reminder_sent'`,
      );
      const firedLate: number[] = [];
      const deliveredLate: number[] = [];
      let probe: { fired: number; delivered: number } | undefined;
      for (const r of rows.rows) {
        const due = dueOf.get(r.notice_id)!;
        const f = new Date(r.fired).getTime() - due;
        const d = r.delivered ? new Date(r.delivered).getTime() - due : NaN;
        if (r.notice_id === probeId) probe = { fired: f, delivered: d };
        else {
          firedLate.push(f);
          if (!Number.isNaN(d)) deliveredLate.push(d);
        }
      }
      console.log(`reminders fired (reminder_sent recorded):     ${summary(firedLate)}`);
      console.log(`reminders delivered (in-app message written): ${summary(deliveredLate)}`);
      console.log(`one notice's reminder due in the burst: fired ${fmtMs(probe?.fired ?? NaN)}, delivered ${fmtMs(probe?.delivered ?? NaN)} late`);
      if (base.length) {
        const p99 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.ceil(0.99 * v.length) - 1];
        console.log(`ratio p99 delivered / p99 baseline: ${(p99(deliveredLate) / p99(base)).toFixed(2)}× (target ≤ 1.5×)`);
      }
    } finally {
      await stack.close();
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
