/**
 * Edge hardening through HTTP: security headers, CORS closed unless configured, rate limits per
 * address (failed sign-ons) and per person, body limits, and no internals in error bodies.
 */
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createPrcCalendar } from '../../domain/calendar';
import { startStack, type Stack } from '../support/stack';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.shutdown();
});

function appWith(limits: { perPersonPerMinute: number; authFailuresPer15Min: number; corsOrigins: string[] }) {
  return createApp({
    db: s.db,
    temporal: s.client,
    taskQueue: s.taskQueue,
    policy: s.policy,
    calendar: createPrcCalendar(),
    tokens: s.tokens,
    logger: pino({ level: 'silent' }),
    evidenceMaxBytes: 64 * 1024,
    limits,
  });
}

test('security headers are set and nothing reveals the framework', async () => {
  const res = await request(s.app).get('/healthz');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  expect(res.headers['x-frame-options']).toBeDefined();
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
});

test('CORS is closed by default and open only to the configured origins', async () => {
  const token = `Bearer ${await s.tokens.sign('p-chen-jing')}`;
  const closed = await request(s.app).get('/api/me').set('Origin', 'https://evil.example.com').set('Authorization', token);
  expect(closed.headers['access-control-allow-origin']).toBeUndefined();

  const app = appWith({ perPersonPerMinute: 100, authFailuresPer15Min: 100, corsOrigins: ['https://portal.example.edu.cn'] });
  const ok = await request(app).get('/api/me').set('Origin', 'https://portal.example.edu.cn').set('Authorization', token);
  expect(ok.headers['access-control-allow-origin']).toBe('https://portal.example.edu.cn');
  const other = await request(app).get('/api/me').set('Origin', 'https://evil.example.com').set('Authorization', token);
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
});

test('failed sign-ons are limited per address; good ones are not counted', async () => {
  const app = appWith({ perPersonPerMinute: 1000, authFailuresPer15Min: 3, corsOrigins: [] });
  const good = `Bearer ${await s.tokens.sign('p-chen-jing')}`;
  // On PostgreSQL the counter is a row shared by API instances; a good request only reads it.
  const counted = async () =>
    s.db.kind === 'postgres'
      ? (await s.db.query<{ hits: number }>(`SELECT hits FROM rate_limit_hits WHERE key LIKE 'auth:3:%'`)).rows.map((r) => r.hits)
      : null;
  for (let i = 0; i < 5; i++) expect((await request(app).get('/api/me').set('Authorization', good)).status).toBe(200);
  if (s.db.kind === 'postgres') expect(await counted()).toEqual([]);
  for (let i = 0; i < 3; i++) expect((await request(app).get('/api/me').set('Authorization', 'Bearer nope')).status).toBe(401);
  if (s.db.kind === 'postgres') expect(await counted()).toEqual([3]);
  const limited = await request(app).get('/api/me').set('Authorization', 'Bearer nope');
  expect(limited.status).toBe(429);
  expect(limited.body.error).toContain('请求过于频繁');
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
  // The budget is the address's, not the token's: a good token from there waits too.
  expect((await request(app).get('/api/me').set('Authorization', good)).status).toBe(429);
  if (s.db.kind === 'postgres') expect(await counted()).toEqual([3]);
});

test('each person has a request budget of their own', async () => {
  const app = appWith({ perPersonPerMinute: 5, authFailuresPer15Min: 1000, corsOrigins: [] });
  const a = `Bearer ${await s.tokens.sign('p-chen-jing')}`;
  const b = `Bearer ${await s.tokens.sign('p-li-na')}`;
  for (let i = 0; i < 5; i++) expect((await request(app).get('/api/me').set('Authorization', a)).status).toBe(200);
  expect((await request(app).get('/api/me').set('Authorization', a)).status).toBe(429);
  expect((await request(app).get('/api/me').set('Authorization', b)).status).toBe(200);
});

test('bodies are limited in size, and errors carry no internals', async () => {
  const token = `Bearer ${await s.tokens.sign('p-chen-jing')}`;
  const big = await request(s.app)
    .post('/api/notices')
    .set('Authorization', token)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ description: 'x'.repeat(300 * 1024) }));
  expect(big.status).toBe(413);
  expect(big.body.error).toContain('请求体过大');
  const bad = await request(s.app).post('/api/notices').set('Authorization', token).send({ unitId: "cs'; DROP TABLE notices; --" });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).not.toMatch(/at \w+ \(|node_modules|SELECT|INSERT|stack/i);
});
