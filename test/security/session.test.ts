/**
 * Browser sessions on the real stack (README "Sign-in"): the dev sign-in sets an HttpOnly,
 * SameSite=Lax cookie for a session kept in the database; every /api route accepts that cookie;
 * writes by cookie need the session's CSRF token and bearer writes do not; sign-in rotates the
 * session; sign-out and expiry (idle and absolute, with the session's times moved into the past)
 * make the cookie useless; the dev endpoints do not exist with the embedded issuer off; sign-ins
 * and sign-outs are in the audit trail; starting sign-ins is rate-limited per address.
 */
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import type { SignInConfig } from '../../api/session';
import { createPrcCalendar } from '../../domain/calendar';
import { hashSecret } from '../../db/sessions';
import { startStack, type Stack } from '../support/stack';
import { noticeBody, OFFICE } from '../support/targets';
import { eventually } from '../support/wait';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.shutdown();
});

const LIMITS = { perPersonPerMinute: 1_000_000, authFailuresPer15Min: 1_000_000, corsOrigins: [] };

function appWith(signIn: SignInConfig, limits = LIMITS) {
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
    signIn,
  });
}

const setCookies = (res: request.Response): string[] => {
  const v = res.headers['set-cookie'] as unknown;
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
};
const sessionCookieOf = (res: request.Response) => setCookies(res).find((c) => c.startsWith('cyd_session='));
/** The cookie as the browser sends it back. */
const cookieHeader = (setCookie: string) => setCookie.split(';')[0];

async function devSignIn(app: ReturnType<typeof createApp>, personId: string, cookie?: string) {
  let req = request(app).post('/api/auth/dev/signin').send({ personId });
  if (cookie) req = req.set('Cookie', cookie);
  const res = await req;
  expect(res.status).toBe(200);
  const set = sessionCookieOf(res);
  expect(set).toBeDefined();
  return { res, cookie: cookieHeader(set!), csrf: res.body.csrfToken as string, setCookie: set! };
}

const audit = async (action: string, actorId: string) =>
  (await s.db.query<{ action: string; actor_id: string; details: unknown }>('SELECT action, actor_id, details FROM audit_log WHERE action = $1 AND actor_id = $2', [action, actorId])).rows;

test('the sign-in configuration is public: with the embedded issuer on and no provider, only dev', async () => {
  const res = await request(s.app).get('/api/auth/config');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ methods: ['dev'], signInUrl: '/api/auth/login' });
  // Starting a sign-in without a provider goes to the web UI's sign-in page, keeping where to return.
  const login = await request(s.app).get('/api/auth/login?returnTo=%2Fnotices%2F2026-0001');
  expect(login.status).toBe(302);
  expect(login.headers.location).toBe('/signin?returnTo=%2Fnotices%2F2026-0001');
});

test('the dev page lists the people by role, and signing in as one sets an HttpOnly, SameSite=Lax session cookie', async () => {
  const people = await request(s.app).get('/api/auth/dev/people');
  expect(people.status).toBe(200);
  const office = people.body.groups.find((g: { role: string }) => g.role === 'office');
  expect(office).toMatchObject({ zh: expect.any(String), en: expect.any(String) });
  expect(office.people.map((p: { id: string }) => p.id)).toContain(OFFICE);
  const liaison = people.body.groups.find((g: { role: string }) => g.role === 'liaison');
  expect(liaison.people).toContainEqual(expect.objectContaining({ id: 'p-li-na', unitId: 'cs', unitName: expect.any(String) }));

  const { res, setCookie, cookie } = await devSignIn(s.app, OFFICE);
  expect(setCookie).toMatch(/; HttpOnly/i);
  expect(setCookie).toMatch(/; SameSite=Lax/i);
  expect(setCookie).toMatch(/; Path=\//);
  expect(setCookie).not.toMatch(/; Secure/i); // PUBLIC_URL is http here
  expect(res.body).toMatchObject({ ok: true, person: { id: OFFICE }, method: 'dev', csrfToken: expect.stringMatching(/^[\w-]{40,}$/) });
  // The cookie is opaque: its value is not what the database keeps.
  const value = cookie.split('=')[1];
  expect((await s.db.query('SELECT 1 FROM auth_sessions WHERE id_hash = $1', [value])).rows).toHaveLength(0);
  expect((await s.db.query('SELECT 1 FROM auth_sessions WHERE id_hash = $1', [hashSecret(value)])).rows).toHaveLength(1);

  const session = await request(s.app).get('/api/auth/session').set('Cookie', cookie);
  expect(session.status).toBe(200);
  expect(session.body).toMatchObject({
    person: { id: OFFICE, name: expect.any(String) },
    roles: expect.arrayContaining([expect.objectContaining({ role: 'office', unitId: null, zh: expect.any(String) })]),
    csrfToken: res.body.csrfToken,
    method: 'dev',
  });
  const expiresAt = Date.parse(session.body.expiresAt as string);
  expect(expiresAt).toBeGreaterThan(Date.now() + 25 * 60 * 1000);
  expect(expiresAt).toBeLessThanOrEqual(Date.parse(session.body.absoluteExpiresAt as string));
  expect(await audit('auth.signin', OFFICE)).not.toHaveLength(0);
});

test('every /api route accepts the cookie; a write by cookie needs the CSRF token, a bearer write does not', async () => {
  const { cookie, csrf } = await devSignIn(s.app, OFFICE);
  const me = await request(s.app).get('/api/me').set('Cookie', cookie);
  expect(me.status).toBe(200);
  expect(me.body.id).toBe(OFFICE);

  const count = async () => Number((await s.db.query<{ n: string }>('SELECT count(*) AS n FROM notices')).rows[0].n);
  const before = await count();
  for (const header of [undefined, 'wrong', `${csrf}x`, '']) {
    let req = request(s.app).post('/api/notices').set('Cookie', cookie);
    if (header !== undefined) req = req.set('X-CSRF-Token', header);
    const res = await req.send(noticeBody('cs', { title: 'CSRF 测试' }));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/CSRF.*X-CSRF-Token/);
  }
  expect(await count()).toBe(before);
  // The refusal answers without waiting for its audit entry (written beside it): wait for all four.
  const csrfAudit = await eventually(async () => {
    const rows = await audit('auth.csrf_refused', OFFICE);
    return rows.length >= 4 ? rows : undefined;
  }, 10000, 'the four CSRF refusals in the audit log');
  expect(csrfAudit.length).toBeGreaterThanOrEqual(4);

  const ok = await request(s.app).post('/api/notices').set('Cookie', cookie).set('X-CSRF-Token', csrf).send(noticeBody('cs', { title: 'CSRF 测试' }));
  expect(ok.status).toBe(201);
  // The write is audited as the person's, as with a bearer token.
  const byBearer = await s.as(OFFICE).post('/api/notices', noticeBody('cs', { title: 'Bearer 测试' }));
  expect(byBearer.status).toBe(201);
  expect(await count()).toBe(before + 2);
  // The bearer path is told apart: no session, no CSRF token.
  const bearerSession = await s.as(OFFICE).get('/api/auth/session');
  expect(bearerSession.status).toBe(200);
  expect(bearerSession.body).toMatchObject({ person: { id: OFFICE }, method: 'bearer', csrfToken: null, expiresAt: null });
});

test('signing in again rotates the session: the old cookie stops working', async () => {
  const first = await devSignIn(s.app, 'p-li-na');
  const second = await devSignIn(s.app, 'p-li-na', first.cookie);
  expect(second.cookie).not.toBe(first.cookie);
  expect(second.csrf).not.toBe(first.csrf);
  expect((await request(s.app).get('/api/me').set('Cookie', first.cookie)).status).toBe(401);
  expect((await request(s.app).get('/api/me').set('Cookie', second.cookie)).status).toBe(200);
});

test('sign-out ends the session on the server and clears the cookie; it needs the CSRF token', async () => {
  const { cookie, csrf } = await devSignIn(s.app, 'p-zhang-wei');
  const refused = await request(s.app).post('/api/auth/signout').set('Cookie', cookie);
  expect(refused.status).toBe(403);
  expect((await request(s.app).get('/api/me').set('Cookie', cookie)).status).toBe(200);

  const out = await request(s.app).post('/api/auth/signout').set('Cookie', cookie).set('X-CSRF-Token', csrf);
  expect(out.status).toBe(200);
  expect(out.body).toEqual({ ok: true });
  const cleared = sessionCookieOf(out);
  expect(cleared).toMatch(/^cyd_session=;/);
  expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
  // A copy of the cookie kept by anyone is useless now, and answers as a session that ended.
  const after = await request(s.app).get('/api/me').set('Cookie', cookie);
  expect(after.status).toBe(401);
  expect(after.body.error).toMatch(/登录已失效/);
  expect(sessionCookieOf(after)).toMatch(/^cyd_session=;/);
  expect((await request(s.app).get('/api/auth/session').set('Cookie', cookie)).status).toBe(401);
  expect(await audit('auth.signout', 'p-zhang-wei')).toHaveLength(1);
  const refusal = await s.db.query<{ details: { reason: string } }>(
    `SELECT details FROM audit_log WHERE action = 'auth.refused' AND details->>'reason' = 'session_ended'`,
  );
  expect(refusal.rows.length).toBeGreaterThan(0);
});

test('sessions expire when idle and at their absolute end, and use moves the idle end', async () => {
  const { cookie } = await devSignIn(s.app, 'p-liu-yang');
  const value = cookie.split('=')[1];
  const hash = hashSecret(value);
  const row = async () =>
    (await s.db.query<{ last_seen_at: Date; ended_reason: string | null }>('SELECT last_seen_at, ended_reason FROM auth_sessions WHERE id_hash = $1', [hash]))
      .rows[0];

  // 29 minutes unused (the idle timeout is 30): still signed in, and the use moves the idle end.
  await s.db.query(`UPDATE auth_sessions SET last_seen_at = now() - interval '29 minutes' WHERE id_hash = $1`, [hash]);
  expect((await request(s.app).get('/api/me').set('Cookie', cookie)).status).toBe(200);
  expect(Date.now() - new Date((await row()).last_seen_at).getTime()).toBeLessThan(60_000);
  // 31 minutes unused: ended as idle.
  await s.db.query(`UPDATE auth_sessions SET last_seen_at = now() - interval '31 minutes' WHERE id_hash = $1`, [hash]);
  expect((await request(s.app).get('/api/me').set('Cookie', cookie)).status).toBe(401);
  expect((await row()).ended_reason).toBe('idle');

  // Used a moment ago but past its absolute end: ended as expired.
  const other = await devSignIn(s.app, 'p-liu-yang');
  const otherHash = hashSecret(other.cookie.split('=')[1]);
  await s.db.query(`UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1`, [otherHash]);
  expect((await request(s.app).get('/api/me').set('Cookie', other.cookie)).status).toBe(401);
  expect((await s.db.query<{ ended_reason: string }>('SELECT ended_reason FROM auth_sessions WHERE id_hash = $1', [otherHash])).rows[0].ended_reason).toBe(
    'expired',
  );

  // A week past its end, a session's row (and whatever tokens it held) goes at the next sign-in.
  await s.db.query(`UPDATE auth_sessions SET expires_at = now() - interval '8 days' WHERE id_hash = $1`, [otherHash]);
  await devSignIn(s.app, 'p-liu-yang');
  expect((await s.db.query('SELECT 1 FROM auth_sessions WHERE id_hash = $1', [otherHash])).rows).toHaveLength(0);
  expect((await s.db.query('SELECT 1 FROM auth_sessions WHERE id_hash = $1', [hash])).rows).toHaveLength(1);
});

test('unknown or malformed cookies are refused and cleared; being signed out is a quiet 401 on the session probe', async () => {
  for (const c of ['cyd_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'cyd_session=%3Cscript%3E', 'cyd_session=']) {
    const res = await request(s.app).get('/api/me').set('Cookie', c);
    expect(res.status).toBe(401);
    expect(sessionCookieOf(res)).toMatch(/^cyd_session=;/);
  }
  const before = Number((await s.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_log')).rows[0].n);
  const probe = await request(s.app).get('/api/auth/session');
  expect(probe.status).toBe(401);
  expect(typeof probe.body.error).toBe('string');
  expect(Number((await s.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_log')).rows[0].n)).toBe(before);
  // Unknown people cannot be signed in as.
  const nobody = await request(s.app).post('/api/auth/dev/signin').send({ personId: 'p-nobody' });
  expect(nobody.status).toBe(404);
  expect(sessionCookieOf(nobody)).toBeUndefined();
});

test('with the embedded issuer off, the dev endpoints do not exist and no method is offered', async () => {
  const off = appWith({ publicUrl: 'https://cyberduty.example.edu.cn', idleTimeoutSec: 1800, absoluteTimeoutSec: 3600, embedded: false });
  expect((await request(off).get('/api/auth/config')).body).toEqual({ methods: [], signInUrl: '/api/auth/login' });
  const noSuch = { error: '没有这个接口 / No such endpoint', details: null };
  const people = await request(off).get('/api/auth/dev/people');
  expect(people.status).toBe(404);
  expect(people.body).toEqual(noSuch);
  const signin = await request(off).post('/api/auth/dev/signin').send({ personId: OFFICE });
  expect(signin.status).toBe(404);
  expect(signin.body).toEqual(noSuch);
  expect(sessionCookieOf(signin)).toBeUndefined();
  // Signed in by bearer, the same.
  const bearer = await request(off).get('/api/auth/dev/people').set('Authorization', `Bearer ${await s.tokens.sign(OFFICE)}`);
  expect(bearer.status).toBe(404);
  expect((await request(off).get('/api/auth/login')).status).toBe(404);
});

test('cookies are Secure when PUBLIC_URL is https', async () => {
  const secure = appWith({ publicUrl: 'https://cyberduty.example.edu.cn', idleTimeoutSec: 1800, absoluteTimeoutSec: 3600, embedded: true });
  const { setCookie } = await devSignIn(secure, 'p-ma-jun');
  expect(setCookie).toMatch(/; Secure/i);
});

test('sign-ins are rate-limited per address', async () => {
  const limited = appWith({ publicUrl: 'http://cyberduty.test', idleTimeoutSec: 1800, absoluteTimeoutSec: 3600, embedded: true }, { ...LIMITS, authFailuresPer15Min: 3 });
  for (let i = 0; i < 3; i++) expect((await request(limited).get('/api/auth/login')).status).toBe(302);
  const over = await request(limited).get('/api/auth/login');
  expect(over.status).toBe(429);
  expect(over.body.error).toMatch(/Too many requests/);
});
