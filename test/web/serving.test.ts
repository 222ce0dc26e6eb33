/**
 * The web UI is served by the API's express app from Vite's build (web/dist, built by the test
 * run's globalSetup when stale): its hashed assets, its index.html for the app's own paths (deep
 * links in messages), a CSP that allows only the app's own scripts and styles — and the API's JSON
 * answers are unchanged for unknown /api paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startStack, type Stack } from '../support/stack';
import { readStamp, sourceDigest, WEB_DIST } from '../../scripts/web-build';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.shutdown();
});

test('the build is current: its stamp has the digest of web/ as it is now', () => {
  expect(readStamp()?.digest).toBe(sourceDigest());
});

test('a deep link such as /notices/<id> answers with the app', async () => {
  for (const p of ['/', '/signin', '/notices/x', '/notices/2026-0001', '/inbox', '/escalations/2026-0001-E1', '/accountability-proposals/P2026-0001', '/dashboard']) {
    const res = await request(s.app).get(p);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(res.text).not.toMatch(/<script>|<style|style=/);
  }
});

test("the app's files are served with long caching; a missing file is a 404, not the app", async () => {
  const html = (await request(s.app).get('/')).text;
  const js = html.match(/src="(\/assets\/index-[\w-]+\.js)"/)![1];
  const css = html.match(/href="(\/assets\/index-[\w-]+\.css)"/)![1];
  const jsRes = await request(s.app).get(js);
  expect(jsRes.status).toBe(200);
  expect(jsRes.headers['content-type']).toMatch(/javascript/);
  expect(jsRes.headers['cache-control']).toMatch(/immutable/);
  const cssRes = await request(s.app).get(css);
  expect(cssRes.status).toBe(200);
  expect(cssRes.headers['content-type']).toMatch(/^text\/css/);
  expect((await request(s.app).get('/favicon.svg')).status).toBe(200);
  expect((await request(s.app).get('/assets/no-such-file.js')).status).toBe(404);
  expect((await request(s.app).get('/no-such-file.js')).status).toBe(404);
  // The build stamp is not served.
  expect(fs.existsSync(path.join(WEB_DIST, '.build.json'))).toBe(true);
  expect((await request(s.app).get('/.build.json')).status).toBe(404);
});

test('no asset points outside the app (no CDN, no external fonts)', () => {
  for (const f of fs.readdirSync(path.join(WEB_DIST, 'assets'))) {
    if (!/\.css$/.test(f)) continue;
    const text = fs.readFileSync(path.join(WEB_DIST, 'assets', f), 'utf8');
    expect(text).not.toMatch(/url\(\s*['"]?(https?:)?\/\//);
    expect(text).not.toMatch(/@import/);
  }
});

test('unknown /api paths still answer JSON 404 (and 401 without a token)', async () => {
  const token = `Bearer ${await s.tokens.sign('p-chen-jing')}`;
  for (const p of ['/api/nope', '/api/notices-x/1', '/api']) {
    const res = await request(s.app).get(p).set('Authorization', token);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toBe('没有这个接口 / No such endpoint');
  }
  const anonymous = await request(s.app).get('/api/nope');
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers['content-type']).toMatch(/^application\/json/);
});

test("the CSP allows the app's own scripts and styles and nothing inline", async () => {
  const res = await request(s.app).get('/notices/x');
  const csp = String(res.headers['content-security-policy']);
  const directives = new Map(csp.split(';').map((d) => {
    const [name, ...values] = d.trim().split(/\s+/);
    return [name, values] as const;
  }));
  expect(directives.get('script-src')).toEqual(["'self'"]);
  expect(directives.get('style-src')).toEqual(["'self'"]);
  expect(directives.get('connect-src')).toEqual(["'self'"]);
  expect(directives.get('font-src')).toEqual(["'self'"]);
  expect(directives.get('script-src-attr')).toEqual(["'none'"]);
  expect(directives.has('upgrade-insecure-requests')).toBe(false);
});
