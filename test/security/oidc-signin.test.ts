/**
 * Browser sign-in with OpenID Connect against a real OpenID provider (oidc-provider 9, in this
 * process on a free port, with its login and consent pages): the authorization code flow with
 * PKCE (S256), state and nonce, walked by an HTTP client that keeps cookies and follows redirects,
 * and once in headless Chromium landing signed in at `/`. And every way it must fail: a state that
 * is not this browser's, a callback without the browser's sign-in cookie, a replayed callback, a
 * PKCE verifier or a nonce that is not the one of the sign-in, a person the organisation does not
 * know, a returnTo that leaves the site. Tokens stay on the server.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { createApp } from '../../api/app';
import type { SignInConfig } from '../../api/session';
import { createPrcCalendar } from '../../domain/calendar';
import { hashSecret } from '../../db/sessions';
import { startStack, type Stack } from '../support/stack';
import { HttpBrowser, startOidcProvider, type TestIdp } from '../support/idp';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLIENT_ID = 'cyberduty-web';
const CLIENT_SECRET = 'a-long-client-secret-for-the-test-0123456789';
/** p-ma-xiaodong's staff number in the small organisation. */
const STAFF_NO = 'A1001';
const PERSON = 'p-ma-xiaodong';

let s: Stack;
let idp: TestIdp;
let server: http.Server;
let base: string;

beforeAll(async () => {
  s = await startStack();
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = await startOidcProvider({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: `${base}/api/auth/callback`,
    postLogoutRedirectUri: `${base}/`,
  });
  const signIn: SignInConfig = {
    publicUrl: base,
    idleTimeoutSec: 1800,
    absoluteTimeoutSec: 8 * 3600,
    embedded: false,
    browser: 'oidc',
    oidc: {
      issuer: idp.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: `${base}/api/auth/callback`,
      scopes: 'openid profile email',
      postLogoutRedirectUri: `${base}/`,
      subjectClaim: 'sub',
      personMatch: 'staffNo',
      algorithms: ['RS256'],
      clockToleranceSec: 30,
    },
  };
  const app = createApp({
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
  });
  server.on('request', app);
}, 120000);

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await idp?.close();
  await s?.shutdown();
});

/** From the app's login to the provider's login page: the authorization request as sent. */
async function startSignIn(b: HttpBrowser, returnTo = '/notices') {
  const login = await b.request(`${base}/api/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  expect(login.res.status).toBe(302);
  const authorize = new URL(login.res.headers.get('location')!);
  const page = await b.go(authorize.toString());
  expect(page.res.status).toBe(200);
  return { authorize, page };
}

/** Through the provider's login and consent pages, up to (not into) the app's callback. */
async function throughProvider(b: HttpBrowser, page: { url: string; text: string }, login = STAFF_NO): Promise<string> {
  expect(page.text).toMatch(/name="login"/);
  const consent = await b.submitForm(page.url, page.text, { login, password: 'any' });
  expect(consent.res.status).toBe(200);
  expect(consent.text).toMatch(/name="prompt" value="consent"/);
  // Stop at the hop back to the app: the tests decide what to send it.
  const confirm = /<form[^>]*action="([^"]+)"/i.exec(consent.text)![1];
  let step = await b.request(new URL(confirm, consent.url).toString(), { form: { prompt: 'consent' } });
  let url = new URL(confirm, consent.url).toString();
  for (let i = 0; i < 10; i++) {
    const next = new URL(step.res.headers.get('location')!, url).toString();
    if (next.startsWith(`${base}/`)) return next;
    url = next;
    step = await b.request(url);
  }
  throw new Error('the provider did not send the browser back');
}

const sessionRow = async (b: HttpBrowser) => {
  const v = b.cookie('cyd_session', '127.0.0.1')?.value;
  if (!v) return null;
  const r = await s.db.query<{ person_id: string; method: string; id_token: string | null; access_token: string | null; ended_at: Date | null }>(
    'SELECT person_id, method, id_token, access_token, ended_at FROM auth_sessions WHERE id_hash = $1',
    [hashSecret(v)],
  );
  return r.rows[0] ?? null;
};

test('the authorization code flow with PKCE: from login through the provider to a session, tokens kept on the server', async () => {
  const b = new HttpBrowser();
  const { authorize, page } = await startSignIn(b, '/notices?status=issued');
  // The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1).
  expect(authorize.origin).toBe(idp.issuer);
  const q = authorize.searchParams;
  expect(q.get('response_type')).toBe('code');
  expect(q.get('client_id')).toBe(CLIENT_ID);
  expect(q.get('redirect_uri')).toBe(`${base}/api/auth/callback`);
  expect(q.get('scope')!.split(' ')).toContain('openid');
  expect(q.get('code_challenge_method')).toBe('S256');
  expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
  expect(q.get('state')).toMatch(/^[\w-]{43}$/);
  expect(q.get('nonce')).toMatch(/^[\w-]{43}$/);
  // The browser's binding to this sign-in: HttpOnly, Lax (sent on the top-level hop back), /api/auth only.
  const bind = b.cookie('cyd_login', '127.0.0.1')!;
  expect(bind).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/auth' });

  const callback = await throughProvider(b, page);
  const cb = new URL(callback);
  expect(cb.pathname).toBe('/api/auth/callback');
  expect(cb.searchParams.get('state')).toBe(q.get('state'));
  expect(cb.searchParams.get('iss')).toBe(idp.issuer);
  const landed = await b.request(callback);
  expect(landed.res.status).toBe(302);
  expect(landed.res.headers.get('location')).toBe('/notices?status=issued');
  const cookie = b.cookie('cyd_session', '127.0.0.1')!;
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  expect(b.cookie('cyd_login', '127.0.0.1')).toBeUndefined();

  // The session: the person the staff number names, and the provider's tokens in the database only.
  const row = await sessionRow(b);
  expect(row).toMatchObject({ person_id: PERSON, method: 'oidc', ended_at: null });
  expect(row!.id_token).toMatch(/^ey/);
  expect(row!.access_token).toBeTruthy();
  const session = await b.request(`${base}/api/auth/session`);
  expect(session.res.status).toBe(200);
  const body = JSON.parse(session.text);
  expect(body).toMatchObject({ person: { id: PERSON }, method: 'oidc', csrfToken: expect.any(String) });
  const everythingTheBrowserGot = b.hops.filter((h) => h.url.startsWith(base)).map((h) => `${h.location ?? ''} ${h.setCookies.join(' ')}`).join(' ') + session.text;
  expect(everythingTheBrowserGot).not.toContain(row!.id_token!);
  expect(everythingTheBrowserGot).not.toContain(row!.access_token!);
  // Signed in like anyone else: the audit office reads the audit trail.
  expect((await b.request(`${base}/api/audit?pageSize=1`)).res.status).toBe(200);
  const signin = await s.db.query<{ actor_id: string; details: { method: string } }>(
    `SELECT actor_id, details FROM audit_log WHERE action = 'auth.signin' AND actor_id = $1`,
    [PERSON],
  );
  expect(signin.rows.map((r) => r.details.method)).toContain('oidc');

  // Sign-out ends the session here and offers the provider's own sign-out.
  const out = await b.request(`${base}/api/auth/signout`, { method: 'POST', headers: { 'x-csrf-token': body.csrfToken } });
  expect(out.res.status).toBe(200);
  const ended = JSON.parse(out.text) as { ok: boolean; endSessionUrl: string };
  expect(ended.ok).toBe(true);
  const end = new URL(ended.endSessionUrl);
  expect(end.origin).toBe(idp.issuer);
  expect(end.searchParams.get('id_token_hint')).toBe(row!.id_token);
  expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${base}/`);
  expect(b.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
  // The provider accepts that sign-out request (its confirmation page).
  expect((await b.go(ended.endSessionUrl)).res.status).toBe(200);
});

test('a callback is refused when its state is not the one of this browser, or the browser never started a sign-in', async () => {
  const b = new HttpBrowser();
  const { page } = await startSignIn(b);
  const callback = new URL(await throughProvider(b, page));
  // Another state (a forged or mixed-up response): refused, and the sign-in under way is spent.
  const forged = new URL(callback);
  forged.searchParams.set('state', 'x'.repeat(43));
  const res = await b.request(forged.toString());
  expect(res.res.status).toBe(302);
  expect(res.res.headers.get('location')).toBe('/signin?error=state_mismatch');
  expect(b.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
  // The genuine response afterwards: that sign-in is over.
  const replay = await b.request(callback.toString());
  expect(replay.res.headers.get('location')).toBe('/signin?error=login_expired');

  // Someone else's browser (login CSRF: the attacker's code in the victim's browser): no binding cookie.
  const other = new HttpBrowser();
  const { page: p2 } = await startSignIn(other);
  const cb2 = await throughProvider(other, p2);
  const victim = new HttpBrowser();
  const r2 = await victim.request(cb2);
  expect(r2.res.headers.get('location')).toBe('/signin?error=login_expired');
  expect(victim.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
  const refusals = await s.db.query<{ details: { reason: string } }>(`SELECT details FROM audit_log WHERE action = 'auth.refused'`);
  expect(refusals.rows.map((r) => r.details.reason)).toEqual(expect.arrayContaining(['state_mismatch', 'login_expired']));
});

test('a response naming another issuer (RFC 9207 mix-up) is refused', async () => {
  const b = new HttpBrowser();
  const { page } = await startSignIn(b);
  const callback = new URL(await throughProvider(b, page));
  callback.searchParams.set('iss', 'https://evil.example.com');
  const res = await b.request(callback.toString());
  expect(res.res.headers.get('location')).toBe('/signin?error=oidc_issuer_mismatch');
  // And without the iss parameter, which this provider says it always sends.
  const b2 = new HttpBrowser();
  const { page: p2 } = await startSignIn(b2);
  const cb2 = new URL(await throughProvider(b2, p2));
  cb2.searchParams.delete('iss');
  expect((await b2.request(cb2.toString())).res.headers.get('location')).toBe('/signin?error=oidc_issuer_mismatch');
  expect(b2.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
});

test('a completed callback cannot be replayed to sign in again', async () => {
  const b = new HttpBrowser();
  const { page } = await startSignIn(b);
  const callback = await throughProvider(b, page);
  const first = await b.request(callback);
  expect(first.res.headers.get('location')).toBe('/notices');
  const again = await b.request(callback);
  expect(again.res.headers.get('location')).toBe('/signin?error=login_expired');
});

test('PKCE: a code redeemed with another verifier is refused by the provider', async () => {
  const b = new HttpBrowser();
  const { page } = await startSignIn(b);
  // The verifier of this sign-in replaced (as if the code had been stolen and redeemed by another party).
  await s.db.query(`UPDATE auth_login_attempts SET code_verifier = $2 WHERE id_hash = $1`, [
    hashSecret(b.cookie('cyd_login', '127.0.0.1')!.value),
    'W'.repeat(43),
  ]);
  const res = await b.request(await throughProvider(b, page));
  expect(res.res.headers.get('location')).toBe('/signin?error=oidc_token_error');
  expect(b.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
});

test('nonce: an ID token minted for another sign-in is refused', async () => {
  const b = new HttpBrowser();
  const { page } = await startSignIn(b);
  await s.db.query(`UPDATE auth_login_attempts SET nonce = $2 WHERE id_hash = $1`, [hashSecret(b.cookie('cyd_login', '127.0.0.1')!.value), 'N'.repeat(43)]);
  const res = await b.request(await throughProvider(b, page));
  expect(res.res.headers.get('location')).toBe('/signin?error=oidc_nonce_mismatch');
  expect(b.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
});

test('a person the organisation does not know is not signed in', async () => {
  const b = new HttpBrowser();
  const { page } = await startSignIn(b);
  const res = await b.request(await throughProvider(b, page, 'NOBODY-9999'));
  expect(res.res.headers.get('location')).toBe('/signin?error=unknown_person');
  expect(b.cookie('cyd_session', '127.0.0.1')).toBeUndefined();
});

test('returnTo must stay on this site (no open redirect)', async () => {
  const b = new HttpBrowser();
  for (const bad of ['//evil.example.com/x', 'https://evil.example.com/', '/\\evil.example.com', 'javascript:alert(1)', 'notices', '/%0d%0aSet-Cookie:x=1'.replace('%0d%0a', '\r\n'), '\\\\evil']) {
    const res = await b.request(`${base}/api/auth/login?returnTo=${encodeURIComponent(bad)}`);
    expect({ bad, status: res.res.status }).toEqual({ bad, status: 400 });
    expect(res.res.headers.get('location')).toBeNull();
  }
  expect(b.cookie('cyd_login', '127.0.0.1')).toBeUndefined();
  // A path of the site, with its query and fragment, is where the sign-in ends.
  const { page } = await startSignIn(b, '/notices/2026-0001?tab=timeline#rounds');
  const res = await b.request(await throughProvider(b, page));
  expect(res.res.headers.get('location')).toBe('/notices/2026-0001?tab=timeline#rounds');
});

test('the configuration offers OIDC, and nothing else when the embedded issuer is off', async () => {
  const b = new HttpBrowser();
  const res = await b.request(`${base}/api/auth/config`);
  expect(JSON.parse(res.text)).toEqual({ methods: ['oidc'], signInUrl: '/api/auth/login' });
  expect((await b.request(`${base}/api/auth/dev/people`)).res.status).toBe(404);
});

describe('in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('Chromium signs in through the provider’s login and consent pages and lands signed in at /', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/api/auth/login?returnTo=%2F`);
    // The provider's pages (another site: localhost, not 127.0.0.1).
    await page.waitForURL((u) => u.origin === idp.issuer && u.pathname.startsWith('/interaction/'));
    await page.fill('input[name="login"]', STAFF_NO);
    await page.fill('input[name="password"]', 'any');
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
    await page.click('button[type="submit"]');
    await page.waitForURL(`${base}/`);
    // Signed in: the session cookie went with the SameSite=Lax hop back, and scripts cannot read it.
    const cookies = await context.cookies(base);
    expect(cookies.find((c) => c.name === 'cyd_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate('document.cookie')).not.toContain('cyd_session');
    const session = await page.evaluate(async () => {
      const r = await fetch('/api/auth/session');
      return { status: r.status, body: (await r.json()) as { person: { id: string }; method: string } };
    });
    expect(session).toMatchObject({ status: 200, body: { person: { id: PERSON }, method: 'oidc' } });
    await context.close();
  });
});
