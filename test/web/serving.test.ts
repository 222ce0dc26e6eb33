/**
 * The web UI is served by the API's express app: its files, its index.html for the app's own paths
 * (deep links in messages), a CSP that allows only the app's own scripts and styles — and the API's
 * JSON answers are unchanged for unknown /api paths.
 */
import request from 'supertest';
import { startStack, type Stack } from '../support/stack';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.shutdown();
});

test('a deep link such as /notices/<id> answers with the app', async () => {
  for (const path of ['/', '/notices/x', '/notices/2026-0001', '/inbox', '/escalations/2026-0001-E1']) {
    const res = await request(s.app).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<script type="module" src="/app.js"></script>');
  }
});

test("the app's files are served; a missing file is a 404, not the app", async () => {
  const js = await request(s.app).get('/app.js');
  expect(js.status).toBe(200);
  expect(js.headers['content-type']).toMatch(/javascript/);
  const css = await request(s.app).get('/styles.css');
  expect(css.status).toBe(200);
  expect(css.headers['content-type']).toMatch(/^text\/css/);
  expect((await request(s.app).get('/i18n.js')).status).toBe(200);
  expect((await request(s.app).get('/no-such-file.js')).status).toBe(404);
});

test('unknown /api paths still answer JSON 404 (and 401 without a token)', async () => {
  const token = `Bearer ${await s.tokens.sign('p-chen-jing')}`;
  for (const path of ['/api/nope', '/api/notices-x/1', '/api']) {
    const res = await request(s.app).get(path).set('Authorization', token);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toBe('没有这个接口 / No such endpoint');
  }
  const anonymous = await request(s.app).get('/api/nope');
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers['content-type']).toMatch(/^application\/json/);
});

test('the CSP allows the app\'s own scripts and styles and nothing inline', async () => {
  const res = await request(s.app).get('/notices/x');
  const csp = String(res.headers['content-security-policy']);
  const directives = new Map(csp.split(';').map((d) => {
    const [name, ...values] = d.trim().split(/\s+/);
    return [name, values] as const;
  }));
  expect(directives.get('script-src')).toEqual(["'self'"]);
  expect(directives.get('style-src')).toEqual(["'self'"]);
  expect(directives.get('connect-src')).toEqual(["'self'"]);
  expect(directives.get('script-src-attr')).toEqual(["'none'"]);
  expect(directives.has('upgrade-insecure-requests')).toBe(false);
});
