/**
 * Several instances on one PostgreSQL, as real processes: two `npm run api` and two
 * `npm run worker`. Notices issued through either API are visible through the other; every e-mail
 * goes out once although two dispatchers compete; a rate limit counts one person's requests on
 * both APIs together; an outbox row put back by an API process (which has no dispatcher) wakes a
 * worker's dispatcher through LISTEN/NOTIFY within a moment, although the workers poll only once a
 * minute; SIGTERM drains a worker and an API and they exit 0. PostgreSQL only (DATABASE_URL).
 */
import { freePort } from '../../scripts/temporal-cli';
import { startCluster, clusterToken, type Cluster, type Proc } from '../support/processes';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { fastPolicy } from '../support/stack';
import { eventually } from '../support/wait';

const d = process.env.DATABASE_URL ? describe : describe.skip;

d('two API and two worker processes on one PostgreSQL', () => {
  let c: Cluster;
  let sink: SmtpSink;
  let apis: Array<Proc & { url: string }>;
  let workers: Proc[];
  let sdkMetrics: string;
  const tokens = new Map<string, string>();
  const auth = async (person: string) => {
    if (!tokens.has(person)) tokens.set(person, await clusterToken(c.dataDir, person));
    return { Authorization: `Bearer ${tokens.get(person)}`, 'Content-Type': 'application/json' };
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await startCluster({
      policy: fastPolicy({ ack: 'PT1H', rectify: 'PT2H' }),
      // Polling once a minute: anything faster than that is LISTEN/NOTIFY's doing.
      env: { SMTP_URL: sink.url, SMTP_FROM: 'cyberduty <cyberduty@example.edu.cn>', NOTIFY_POLL_MS: '60000', RATE_LIMIT_PER_MINUTE: '30' },
    });
    // Workers first: they import the organisation the APIs authenticate against.
    sdkMetrics = `127.0.0.1:${await freePort()}`;
    workers = [await c.worker('worker-1', { TEMPORAL_METRICS_ADDRESS: sdkMetrics })];
    workers.push(await c.worker('worker-2'));
    apis = [await c.api('api-1')];
    apis.push(await c.api('api-2'));
  }, 240000);

  afterAll(async () => {
    await c?.close();
    await sink?.stop();
  });

  test('notices through either API, e-mails once, limits across instances, NOTIFY wakes the other process, graceful stops', async () => {
    // 1. Six notices, alternating between the two APIs; each readable through the other.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${apis[i % 2].url}/api/notices`, {
        method: 'POST',
        headers: await auth('p-chen-jing'),
        body: JSON.stringify({ unitId: 'cs', title: `多实例 ${i}`, category: 'vulnerability', severity: 'high', description: 'two instances' }),
      });
      expect(r.status).toBe(201);
      ids.push(((await r.json()) as { id: string }).id);
    }
    for (const [i, id] of ids.entries()) {
      const r = await fetch(`${apis[(i + 1) % 2].url}/api/notices/${id}`, { headers: await auth('p-chen-jing') });
      expect(r.status).toBe(200);
    }

    // 2. Every e-mail row of those notices sent exactly once, by one of the two workers.
    const rows = await eventually(async () => {
      const r = await c.db.query<{ idempotency_key: string; status: string; attempts: number; worker: string }>(
        `SELECT o.idempotency_key, o.status, o.attempts, a.worker FROM notification_outbox o
           JOIN notification_attempts a ON a.outbox_id = o.id AND a.attempt = o.attempts
          WHERE o.channel = 'email' AND o.ref_id = ANY($1::text[])`,
        [ids],
      );
      return r.rows.length >= 6 && r.rows.every((x) => x.status === 'sent') ? r.rows : null;
    }, 60000, 'every e-mail sent');
    expect(rows.every((x) => x.attempts === 1)).toBe(true);
    const keys = new Set(rows.map((x) => x.idempotency_key));
    const mails = sink.transactions.filter((t) => t.key && keys.has(t.key));
    expect(mails).toHaveLength(rows.length);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(rows.length);

    // The Temporal SDK's own metrics, from worker-1's runtime exporter.
    const sdk = await (await fetch(`http://${sdkMetrics}/metrics`)).text();
    expect(sdk).toMatch(/^temporal_\w+/m);
    expect(sdk).toContain(`task_queue="${c.env.TEMPORAL_TASK_QUEUE}"`);

    // 3. The rate limit (30 per minute per person) counts both APIs together.
    const inspector = await auth('p-guo-fang');
    const answers: number[] = [];
    for (let i = 0; i < 34; i++) answers.push((await fetch(`${apis[i % 2].url}/api/me`, { headers: inspector })).status);
    expect(answers.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(answers.slice(30)).toEqual([429, 429, 429, 429]);

    // 4. A failed row retried through an API process: a worker sends it long before its next poll.
    sink.refuseNext(1, 550);
    const r = await fetch(`${apis[0].url}/api/notices`, {
      method: 'POST',
      headers: await auth('p-chen-jing'),
      body: JSON.stringify({ unitId: 'ito', title: '重试', category: 'vulnerability', severity: 'high', description: 'retry' }),
    });
    expect(r.status).toBe(201);
    const retryId = ((await r.json()) as { id: string }).id;
    const failed = await eventually(async () => {
      const x = await c.db.query<{ id: string }>(`SELECT id FROM notification_outbox WHERE ref_id = $1 AND channel = 'email' AND status = 'failed'`, [retryId]);
      return x.rows[0]?.id;
    }, 30000, 'one e-mail refused for good (550)');
    const asked = Date.now();
    const retried = await fetch(`${apis[1].url}/api/notifications/${failed}/retry`, { method: 'POST', headers: await auth('p-chen-jing') });
    expect(retried.status).toBeLessThan(300);
    await eventually(async () => {
      const x = await c.db.query<{ status: string }>('SELECT status FROM notification_outbox WHERE id = $1', [failed]);
      return x.rows[0].status === 'sent';
    }, 30000, 'the retried e-mail sent');
    expect(Date.now() - asked).toBeLessThan(30000); // the poll would take up to 60 s

    // 5. SIGTERM: a worker drains and exits 0; the other carries on; an API drains and exits 0.
    expect(await c.stop(workers[0], 'SIGTERM')).toBe(0);
    expect(workers[0].output()).toContain('"msg":"worker draining"');
    expect(workers[0].output()).toContain('"msg":"worker stopped"');
    const ack = await fetch(`${apis[0].url}/api/notices/${ids[0]}/acknowledge`, { method: 'POST', headers: await auth('p-li-na') });
    expect(ack.status).toBe(200);
    expect(await c.stop(apis[1], 'SIGTERM')).toBe(0);
    expect(apis[1].output()).toContain('"msg":"API stopped"');
    // Structured logs: one JSON object per line, requests with their id.
    const lines = apis[0].output().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(5);
    const reqLine = lines.map((l) => JSON.parse(l) as { req?: { id?: string; url?: string } }).find((l) => l.req?.url?.startsWith('/api/notices'));
    expect(reqLine?.req?.id).toMatch(/^[\w-]{8,}$/);
  }, 240000);
});
