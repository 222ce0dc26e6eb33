/**
 * The escalation the durability tests walk under faults, shared by test/ops/durability.test.ts
 * (file-backed Temporal dev server) and test/ops/durability-pg.test.ts (the Temporal server on
 * PostgreSQL): the cluster of real `npm run api`/`npm run worker` processes with a second-scale
 * policy and a real SMTP server, probes on its records (read directly, never through a proxy the
 * test may have cut), what the API must answer while Temporal is away, and the checks at the end —
 * every level once, the deadline once, every e-mail once, the audit chain intact.
 */
import { startCluster, clusterToken, type Cluster, type Proc } from './processes';
import type { SmtpSink } from './smtp-sink';
import { fastPolicy } from './stack';
import { eventually } from './wait';

export type Api = Proc & { url: string };

/** Acknowledge within 3 s, then every level 6 s to decide: the whole chain in about a minute. */
export const DURABILITY_POLICY = fastPolicy({ ack: 'PT3S', rectify: 'PT1H', decide: 'PT6S' });

export function startDurabilityCluster(opts: { temporalAddress: string; sink: SmtpSink; databaseUrl?: string }): Promise<Cluster> {
  return startCluster({
    policy: DURABILITY_POLICY,
    databaseUrl: opts.databaseUrl,
    env: {
      TEMPORAL_ADDRESS: opts.temporalAddress,
      SMTP_URL: opts.sink.url,
      SMTP_FROM: 'cyberduty <cyberduty@example.edu.cn>',
      // An action while Temporal is away is answered 503 after this, not held.
      UPDATE_TIMEOUT_MS: '3000',
    },
  });
}

export interface Probes {
  /** The office (issues, withdraws, verifies the audit chain) and the unit's liaison (acknowledges). */
  office: Record<string, string>;
  liaison: Record<string, string>;
  levels(id: string): Promise<number[]>;
  reached(id: string, level: number, timeoutMs?: number): Promise<unknown>;
  /** Resolves once the current level's decision time has passed (the timer is due). */
  decideByPassed(id: string): Promise<unknown>;
  emailsAllSent(id: string): Promise<unknown>;
}

export async function probes(c: Cluster): Promise<Probes> {
  const levels = async (id: string) =>
    (
      await c.db.query<{ level: number }>(`SELECT (data->>'level')::int AS level FROM notice_events WHERE notice_id = $1 AND type = 'escalated' ORDER BY seq`, [id])
    ).rows.map((r) => r.level);
  return {
    office: { Authorization: `Bearer ${await clusterToken(c.dataDir, 'p-chen-jing')}`, 'Content-Type': 'application/json' },
    liaison: { Authorization: `Bearer ${await clusterToken(c.dataDir, 'p-li-na')}` },
    levels,
    reached: (id, level, timeoutMs = 60000) => eventually(async () => (await levels(id)).includes(level), timeoutMs, `level ${level} to be recorded`),
    decideByPassed: (id) =>
      eventually(async () => {
        const r = await c.db.query<{ passed: boolean }>(`SELECT decide_by < now() AS passed FROM escalations WHERE notice_id = $1 AND status <> 'ended'`, [id]);
        return r.rows[0]?.passed === true;
      }, 30000, "the current level's decision time to pass"),
    emailsAllSent: (id) =>
      eventually(async () => {
        const r = await c.db.query<{ status: string }>(`SELECT status FROM notification_outbox WHERE ref_id = $1 AND channel = 'email'`, [id]);
        return r.rows.length > 0 && r.rows.every((x) => x.status === 'sent');
      }, 60000, 'every e-mail of the notice sent'),
  };
}

/** Issues the notice that is never acknowledged: overdue after 3 s, then up the chain. */
export async function issueNotice(api: Api, p: Probes): Promise<string> {
  const created = await fetch(`${api.url}/api/notices`, {
    method: 'POST',
    headers: p.office,
    body: JSON.stringify({ unitId: 'cs', title: '故障演练', category: 'vulnerability', severity: 'high', description: 'durability' }),
  });
  expect(created.status).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

/** While the Temporal server is down: an action is a 503 with a message saying what to do, /readyz says why. */
export async function expectTemporalDown(api: Api, p: Probes, id: string): Promise<void> {
  const during = await fetch(`${api.url}/api/notices/${id}/acknowledge`, { method: 'POST', headers: p.liaison });
  expect(during.status).toBe(503);
  expect(((await during.json()) as { error: string }).error).toBe(
    '流程处理暂时无响应，请稍后刷新查看结果后再试 / The process did not answer in time; refresh in a moment to see whether the action was taken',
  );
  // A read that asks Temporal itself: a 503 that names the workflow service, not a 500.
  const scan = await fetch(`${api.url}/api/system/stuck`, { headers: p.office });
  expect(scan.status).toBe(503);
  expect(((await scan.json()) as { error: string }).error).toBe('流程服务暂时不可用，请稍后重试 / The workflow service is unavailable for now; try again shortly');
  const notReady = await fetch(`${api.url}/readyz`);
  expect(notReady.status).toBe(503);
  expect(((await notReady.json()) as { checks: { temporal: string } }).checks.temporal).toMatch(/^unavailable/);
}

export function readyAgain(api: Api, what: string): Promise<unknown> {
  return eventually(async () => (await fetch(`${api.url}/readyz`)).status === 200, 60000, `/readyz after ${what}`);
}

/**
 * Level 5's time runs out: nobody is above, so the escalation stays with the party secretary,
 * asked again (issue 12: never out of every clock); then the office withdraws the notice, which
 * ends the escalation and stops its clocks.
 */
export async function topOfChainThenWithdraw(c: Cluster, api: Api, p: Probes, id: string): Promise<void> {
  await eventually(async () => {
    const r = await c.db.query(`SELECT 1 FROM notice_events WHERE notice_id = $1 AND type = 'escalated' AND data->>'again' = 'true'`, [id]);
    return r.rows.length > 0;
  }, 60000, 'level 5 asked again (top of the chain)');
  const withdrawn = await fetch(`${api.url}/api/notices/${id}/withdraw`, { method: 'POST', headers: p.office, body: JSON.stringify({ reason: '演练结束' }) });
  expect(withdrawn.status).toBe(200);
  await eventually(async () => {
    const r = await c.db.query(`SELECT 1 FROM notice_events WHERE notice_id = $1 AND type = 'escalation_ended'`, [id]);
    return r.rows.length > 0;
  }, 60000, 'the escalation to end (withdrawn)');
  await p.emailsAllSent(id);
}

/** Against the timeline, the outbox, the SMTP server and the audit chain, once the escalation has ended. */
export async function expectNothingLostNothingTwice(c: Cluster, api: Api, sink: SmtpSink, p: Probes, id: string): Promise<void> {
  // The deadline fired once, each level once and in order.
  const events = (await c.db.query<{ type: string }>('SELECT type FROM notice_events WHERE notice_id = $1 ORDER BY seq', [id])).rows.map((r) => r.type);
  expect(events.filter((t) => t === 'overdue')).toHaveLength(1);
  // Levels 1–5 once each, in order; then level 5 again (kept at the top) until the withdrawal.
  const reachedLevels = await p.levels(id);
  expect(reachedLevels.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  expect(reachedLevels.slice(5).length).toBeGreaterThan(0);
  expect(reachedLevels.slice(5).every((l) => l === 5)).toBe(true);
  // Every level reached timed out once, but perhaps the last one, still waiting when withdrawn.
  const timedOut = events.filter((t) => t === 'escalation_timed_out').length;
  expect(timedOut).toBeGreaterThanOrEqual(reachedLevels.length - 1);
  expect(timedOut).toBeLessThanOrEqual(reachedLevels.length);
  expect(events.filter((t) => t === 'escalation_ended')).toHaveLength(1);
  // Against the outbox and the SMTP server: every e-mail row sent and received, none twice.
  const rows = (await c.db.query<{ idempotency_key: string }>(`SELECT idempotency_key FROM notification_outbox WHERE ref_id = $1 AND channel = 'email'`, [id])).rows;
  const keys = new Set(rows.map((r) => r.idempotency_key));
  const received = sink.transactions.filter((t) => t.key && keys.has(t.key));
  expect(new Set(received.map((t) => t.key))).toEqual(keys);
  expect(await receivedTwice(c, keys, received)).toEqual([]);
  expect(received).toHaveLength(keys.size);
  expect(new Set(received.map((t) => t.messageId)).size).toBe(keys.size);
  // In-app: one inbox row per (event, person), no duplicates by construction; every outbox row
  // of the notice accounted for (sent), none left pending or failed.
  const open = await c.db.query(`SELECT status FROM notification_outbox WHERE ref_id = $1 AND status <> 'sent'`, [id]);
  expect(open.rows).toEqual([]);
  // The audit chain still verifies after all that.
  const audit = await fetch(`${api.url}/api/audit/verify`, { headers: p.office });
  expect(audit.status).toBe(200);
  expect(((await audit.json()) as { ok: boolean }).ok).toBe(true);
}

/**
 * The messages (of `keys`) received more than once, each with when and its attempt log, which
 * tells how (a lease reaped, an error after the server had it): empty when none was.
 */
export async function receivedTwice(c: Cluster, keys: Set<string>, received: Array<{ key: string | null; at: number }>): Promise<unknown[]> {
  const twice = [...keys].filter((k) => received.filter((t) => t.key === k).length > 1);
  return Promise.all(
    twice.map(async (key) => ({
      key,
      received: received.filter((t) => t.key === key).map((t) => new Date(t.at).toISOString()),
      attempts: (
        await c.db.query(
          `SELECT a.attempt, a.result, a.error, a.started_at, a.finished_at FROM notification_attempts a
             JOIN notification_outbox o ON o.id = a.outbox_id WHERE o.idempotency_key = $1 ORDER BY a.attempt`,
          [key],
        )
      ).rows,
    })),
  );
}
