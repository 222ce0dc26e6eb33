/**
 * Operations on the real stack (Temporal dev server, PGlite or PostgreSQL): liveness and readiness,
 * the metrics Prometheus reads (and who may read them), and the OpenAPI document with its docs page,
 * which must hold every route of the endpoint registry.
 */
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { ENDPOINTS } from '../../api/endpoints';
import { buildOpenApi, openApiPath } from '../../api/openapi';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.shutdown();
});

const OFFICE = 'p-chen-jing';

/** The value of a sample of `name` whose labels include `labels` (any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

test('/healthz says alive; /readyz checks the database, Temporal and the migrations', async () => {
  const live = await request(s.app).get('/healthz');
  expect(live.status).toBe(200);
  expect(live.body).toEqual({ status: 'ok' });
  const ready = await request(s.app).get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', temporal: 'ok' } });
});

test('/readyz answers 503 with the reason while this instance drains, or a migration is missing', async () => {
  let draining = false;
  const app = createApp({
    db: s.db,
    temporal: s.client,
    taskQueue: s.taskQueue,
    policy: s.policy,
    calendar: {} as never,
    tokens: s.tokens,
    logger: pino({ level: 'silent' }),
    evidenceMaxBytes: 1024,
    isDraining: () => draining,
  });
  expect((await request(app).get('/readyz')).status).toBe(200);
  draining = true;
  const r = await request(app).get('/readyz');
  expect(r.status).toBe(503);
  expect(r.body.checks.shutdown).toMatch(/^draining/);
  expect(r.body.error).toContain('服务暂不可用');
  // A migration the database has not had: not ready (a new release on an old schema).
  draining = false;
  await s.db.query(`DELETE FROM schema_migrations WHERE name = '045_rate_limits.sql'`);
  try {
    const m = await request(app).get('/readyz');
    expect(m.status).toBe(503);
    expect(m.body.checks.migrations).toBe('pending: 045_rate_limits.sql');
  } finally {
    await s.db.query(`INSERT INTO schema_migrations (name) VALUES ('045_rate_limits.sql')`);
  }
});

test('/metrics: API latency by route, open and overdue notices by severity, escalations, notifications', async () => {
  const issued = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title: '指标测试',
    category: 'vulnerability',
    severity: 'critical',
    description: 'metrics',
  });
  expect(issued.status).toBe(201);
  const id = issued.body.id as string;
  expect((await s.as(OFFICE).get(`/api/notices/${id}`)).status).toBe(200);
  const text = await eventually(async () => {
    const r = await request(s.app).get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    // The new notice's message reaches the outbox (in-app rows are recorded as sent).
    return (sample(r.text, 'cyberduty_notifications', { channel: 'inapp', status: 'sent' }) ?? 0) > 0 ? r.text : null;
  }, 20000, 'the in-app notifications in the metrics');
  expect(sample(text, 'cyberduty_notices_open', { severity: 'critical' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'cyberduty_notice_workflows', { status: 'issued' })).toBeGreaterThanOrEqual(1);
  // The route's pattern, not the notice number.
  expect(sample(text, 'cyberduty_http_request_duration_seconds_count', { method: 'GET', route: '/api/notices/:id', status: '2xx' })).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'cyberduty_http_request_duration_seconds_count', { method: 'POST', route: '/api/notices', status: '2xx' })).toBeGreaterThanOrEqual(1);
  expect(text).not.toContain(id);
  expect(text).toContain('# TYPE cyberduty_escalations gauge');
  expect(text).toContain('# TYPE cyberduty_notices_overdue gauge');
  expect(text).toContain('# TYPE cyberduty_notification_attempt_failures gauge');
  expect(text).toContain('cyberduty_process_resident_memory_bytes');
});

test('/metrics with METRICS_TOKEN wants the token; without it, loopback clients only', async () => {
  const app = createApp({
    db: s.db,
    temporal: s.client,
    taskQueue: s.taskQueue,
    policy: s.policy,
    calendar: {} as never,
    tokens: s.tokens,
    logger: pino({ level: 'silent' }),
    evidenceMaxBytes: 1024,
    metricsToken: 'a-long-scrape-token-0123456789',
  });
  expect((await request(app).get('/metrics')).status).toBe(401);
  expect((await request(app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
  const ok = await request(app).get('/metrics').set('Authorization', 'Bearer a-long-scrape-token-0123456789');
  expect(ok.status).toBe(200);
  expect(ok.text).toContain('cyberduty_notices_open');
  // supertest connects over loopback: allowed without a token (the default app).
  expect((await request(s.app).get('/metrics')).status).toBe(200);
  // From another address (behind a proxy, X-Forwarded-For is not trusted for this): refused.
  const fake = createApp({
    db: s.db,
    temporal: s.client,
    taskQueue: s.taskQueue,
    policy: s.policy,
    calendar: {} as never,
    tokens: s.tokens,
    logger: pino({ level: 'silent' }),
    evidenceMaxBytes: 1024,
  });
  const remote = await request(fake).get('/metrics').set('X-Forwarded-For', '10.1.2.3');
  expect(remote.status).toBe(200); // the socket is still loopback: headers do not decide
});

test('the OpenAPI 3.1 document holds every route of the endpoint registry, with its parameters', async () => {
  const r = await request(s.app).get('/api/openapi.json');
  expect(r.status).toBe(200);
  const doc = r.body as { openapi: string; paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; security?: unknown; requestBody?: unknown; summary: string }>> };
  expect(doc.openapi).toBe('3.1.0');
  for (const e of ENDPOINTS) {
    const { path, params } = openApiPath(e.path);
    const op = doc.paths[path]?.[e.method.toLowerCase()];
    expect({ route: `${e.method} ${e.path}`, inDocument: !!op }).toEqual({ route: `${e.method} ${e.path}`, inDocument: true });
    expect(op.summary).toBe(`${e.summary.zh} / ${e.summary.en}`);
    expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual([...params].sort());
    expect(!!op.security).toBe(e.action !== 'public');
  }
  // Nothing in the document that is not in the registry.
  const ops = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
  expect(ops.sort()).toEqual(ENDPOINTS.map((e) => `${e.method} ${openApiPath(e.path).path}`).sort());
  // The zod schema of an issued notice is in it.
  const create = doc.paths['/api/notices'].post.requestBody as { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> };
  const schema = create.content['application/json'].schema;
  expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['unitId', 'title', 'severity', 'rectifyBy']));
  expect(schema.required).toEqual(expect.arrayContaining(['unitId', 'title', 'category', 'severity', 'description']));
});

test('a new registry entry appears in the document without other changes', () => {
  const before = buildOpenApi();
  const added = { method: 'GET' as const, path: '/api/calendar/:year', action: 'public' as const, target: 'none' as const, summary: { zh: '日历', en: 'calendar' } };
  (ENDPOINTS as unknown as unknown[]).push(added);
  try {
    const after = buildOpenApi();
    expect(before.paths?.['/api/calendar/{year}']).toBeUndefined();
    expect(after.paths?.['/api/calendar/{year}']?.get?.summary).toBe('日历 / calendar');
  } finally {
    (ENDPOINTS as unknown as unknown[]).pop();
  }
});

test('the docs page and Swagger UI are served from this server, under the CSP, with no inline code', async () => {
  const page = await request(s.app).get('/api/docs');
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.text).not.toMatch(/<script>(?!<\/script>)|<style|style=|https?:\/\//);
  for (const src of [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
    const asset = await request(s.app).get(src);
    expect({ src, status: asset.status }).toEqual({ src, status: 200 });
  }
  const init = await request(s.app).get('/api/docs/assets/docs-init.js');
  expect(init.text).toContain("url: '/api/openapi.json'");
});
