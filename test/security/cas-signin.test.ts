/**
 * Browser sign-in with CAS 3.0 (统一身份认证) against a small CAS server fake that speaks the
 * protocol's XML (test/support/idp.ts): the browser goes to CAS `/login?service=…`, comes back with
 * a service ticket, the API validates it at `/p3/serviceValidate` and maps the configured attribute
 * to a person, as the bearer path maps a claim. Failures: a ticket CAS refuses, a callback from a
 * browser that did not start the sign-in, a missing attribute, an unknown person.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../../api/app';
import type { SignInConfig } from '../../api/session';
import { createPrcCalendar } from '../../domain/calendar';
import { hashSecret } from '../../db/sessions';
import { startStack, type Stack } from '../support/stack';
import { HttpBrowser, startCasFake, type CasFake } from '../support/idp';

let s: Stack;
let cas: CasFake;
let server: http.Server;
let base: string;

beforeAll(async () => {
  s = await startStack();
  cas = await startCasFake();
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signIn: SignInConfig = {
    publicUrl: base,
    idleTimeoutSec: 1800,
    absoluteTimeoutSec: 8 * 3600,
    embedded: true,
    browser: 'cas',
    // CAS names people by their login; the staff number (工号) comes as an attribute.
    cas: { baseUrl: cas.baseUrl, serviceUrl: `${base}/api/auth/cas/callback`, userAttribute: 'staffNo', personMatch: 'staffNo' },
  };
  server.on(
    'request',
    createApp({
      db: s.db,
      temporal: s.client,
      taskQueue: s.taskQueue,
      policy: s.policy,
      calendar: createPrcCalendar(),
      tokens: s.tokens,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      evidenceMaxBytes: 64 * 1024,
      limits: { perPersonPerMinute: 1_000_000, authFailuresPer15Min: 1_000_000, corsOrigins: [] },
      signIn,
    }),
  );
}, 120000);

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await cas?.close();
  await s?.shutdown();
});

const service = () => `${base}/api/auth/cas/callback`;

test('the configuration offers CAS (and dev, the embedded issuer being on)', async () => {
  const b = new HttpBrowser();
  expect(JSON.parse((await b.request(`${base}/api/auth/config`)).text)).toEqual({ methods: ['cas', 'dev'], signInUrl: '/api/auth/login' });
});

test('a CAS sign-in: to /login with our service, back with a ticket validated at /p3/serviceValidate, into a session', async () => {
  const b = new HttpBrowser();
  cas.signInAs('maxiaodong', { staffNo: 'A1001', displayName: '马晓东' });
  const login = await b.request(`${base}/api/auth/login?returnTo=%2Faudit`);
  expect(login.res.status).toBe(302);
  expect(login.res.headers.get('location')).toBe(`${cas.baseUrl}/login?service=${encodeURIComponent(service())}`);
  expect(b.cookie('cyd_login', '127.0.0.1')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/auth' });

  const back = await b.request(login.res.headers.get('location')!);
  const callback = back.res.headers.get('location')!;
  expect(callback).toMatch(new RegExp(`^${service().replace(/[.?]/g, '\\$&')}\\?ticket=ST-`));
  const landed = await b.request(callback);
  expect(landed.res.status).toBe(302);
  expect(landed.res.headers.get('location')).toBe('/audit');
  // Validated server to server with exactly the service the ticket was issued for.
  expect(cas.validations.at(-1)).toEqual({ service: service(), ticket: new URL(callback).searchParams.get('ticket') });

  const v = b.cookie('cyd_session', '127.0.0.1')!;
  expect(v).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  const row = (
    await s.db.query<{ person_id: string; method: string; idp_subject: string }>('SELECT person_id, method, idp_subject FROM auth_sessions WHERE id_hash = $1', [
      hashSecret(v.value),
    ])
  ).rows[0];
  expect(row).toEqual({ person_id: 'p-ma-xiaodong', method: 'cas', idp_subject: 'maxiaodong' });
  const session = JSON.parse((await b.request(`${base}/api/auth/session`)).text);
  expect(session).toMatchObject({ person: { id: 'p-ma-xiaodong' }, method: 'cas' });

  // Sign-out: here, and CAS's own logout for the browser to visit.
  const out = await b.request(`${base}/api/auth/signout`, { method: 'POST', headers: { 'x-csrf-token': session.csrfToken } });
  expect(JSON.parse(out.text)).toEqual({ ok: true, endSessionUrl: `${cas.baseUrl}/logout?service=${encodeURIComponent(base)}` });
  expect((await b.request(`${base}/api/me`)).res.status).toBe(401);
});

test('a ticket CAS does not recognise is refused, with its failure code in the audit trail', async () => {
  const b = new HttpBrowser();
  await b.request(`${base}/api/auth/login`);
  const res = await b.request(`${service()}?ticket=ST-0000000000000000forged`);
  expect(res.res.status).toBe(302);
  expect(res.res.headers.get('location')).toBe('/signin?error=cas_ticket_invalid');
  expect(b.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
  const audit = await s.db.query<{ details: { reason: string; casCode?: string; method: string } }>(
    `SELECT details FROM audit_log WHERE action = 'auth.refused' AND details->>'reason' = 'cas_ticket_invalid'`,
  );
  expect(audit.rows.map((r) => r.details)).toContainEqual(expect.objectContaining({ method: 'cas', casCode: 'INVALID_TICKET' }));
});

test('a ticket arriving in a browser that did not start the sign-in is refused (and not even validated)', async () => {
  const attacker = new HttpBrowser();
  cas.signInAs('maxiaodong', { staffNo: 'A1001' });
  const login = await attacker.request(`${base}/api/auth/login`);
  const ticketUrl = (await attacker.request(login.res.headers.get('location')!)).res.headers.get('location')!;
  const before = cas.validations.length;
  const victim = new HttpBrowser();
  const res = await victim.request(ticketUrl);
  expect(res.res.headers.get('location')).toBe('/signin?error=login_expired');
  expect(victim.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
  expect(cas.validations.length).toBe(before);
  // Nor without a ticket at all.
  await victim.request(`${base}/api/auth/login`);
  expect((await victim.request(service())).res.headers.get('location')).toBe('/signin?error=cas_no_ticket');
});

test('without the configured attribute, or for a person the organisation does not know, nobody is signed in', async () => {
  for (const [attributes, error] of [
    [{}, 'cas_no_subject'],
    [{ staffNo: 'NOBODY-1' }, 'unknown_person'],
  ] as const) {
    const b = new HttpBrowser();
    cas.signInAs('someone', attributes);
    const login = await b.request(`${base}/api/auth/login`);
    const callback = (await b.request(login.res.headers.get('location')!)).res.headers.get('location')!;
    const res = await b.request(callback);
    expect({ error, location: res.res.headers.get('location') }).toEqual({ error, location: `/signin?error=${error}` });
    expect(b.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
  }
});
