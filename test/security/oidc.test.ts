/**
 * Sign-on with the university's identity provider: a local OIDC-style issuer serves its JWKS on
 * loopback, and every kind of bad token is refused with 401 — with the same body for all, so a
 * caller learns nothing about why (the reason is in the log and the audit trail).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import request from 'supertest';
import { startStack, type Stack } from '../support/stack';

const ISSUER = 'https://idp.example.edu.cn/realms/heu';
const AUDIENCE = 'cyberduty';

let s: Stack;
let server: http.Server;
let good: CryptoKey;
let other: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  good = pair.privateKey;
  other = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = http.createServer((req, res) => {
    if (req.url === '/jwks') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  s = await startStack({
    oidc: {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrl: `http://127.0.0.1:${port}/jwks`,
      subjectClaim: 'staff_no',
      personMatch: 'staffNo',
      algorithms: ['RS256'],
      clockToleranceSec: 30,
    },
  });
});

afterAll(async () => {
  await s?.shutdown();
  await new Promise((r) => server?.close(r));
});

function token(over: { key?: CryptoKey; iss?: string; aud?: string; exp?: number; nbf?: number; claims?: object } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ staff_no: 'A1001', ...over.claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(over.iss ?? ISSUER)
    .setAudience(over.aud ?? AUDIENCE)
    .setSubject('f3a9c2')
    .setIssuedAt(now)
    .setExpirationTime(over.exp ?? now + 600);
  if (over.nbf !== undefined) jwt.setNotBefore(over.nbf);
  return jwt.sign(over.key ?? good);
}

const me = (t: string) => request(s.app).get('/api/me').set('Authorization', `Bearer ${t}`);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('a good token from the identity provider signs in the person its staff number names', async () => {
  const res = await me(await token());
  expect(res.status).toBe(200);
  expect(res.body.id).toBe('p-ma-xiaodong');
  expect(res.body.university).toContain('audit_office');
});

test('every kind of bad token is refused with 401 and the same uninformative body', async () => {
  const now = Math.floor(Date.now() / 1000);
  const valid = await token();
  const [h, p, sig] = valid.split('.');
  const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), staff_no: 'S0004' })}.${sig}`;
  const algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
  // HS256 "signed" with the public key material: the algorithm is pinned, so it is refused.
  const hsConfusion = await new SignJWT({ staff_no: 'A1001' })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode('k1-public-key-as-secret-0123456789'));

  const bad: Record<string, string> = {
    expired: await token({ exp: now - 3600 }),
    notYetValid: await token({ nbf: now + 3600 }),
    wrongIssuer: await token({ iss: 'https://evil.example.com' }),
    wrongAudience: await token({ aud: 'another-app' }),
    wrongKey: await token({ key: other }),
    algNone,
    tampered,
    hsConfusion,
    unknownPerson: await token({ claims: { staff_no: 'NOBODY' } }),
    garbage: 'not.a.jwt',
  };
  const bodies = new Set<string>();
  for (const [kind, t] of Object.entries(bad)) {
    const res = await me(t);
    expect({ kind, status: res.status }).toEqual({ kind, status: 401 });
    bodies.add(JSON.stringify(res.body));
  }
  expect(bodies.size).toBe(1);
  expect(JSON.parse([...bodies][0])).toEqual({
    error: '身份令牌无效或已过期，请重新登录 / The token is not valid or has expired; sign in again',
    details: null,
  });
});

test('within the allowed clock skew a just-expired token still works; beyond it, not', async () => {
  const now = Math.floor(Date.now() / 1000);
  expect((await me(await token({ exp: now - 10 }))).status).toBe(200);
  expect((await me(await token({ exp: now - 120 }))).status).toBe(401);
});

test('embedded tokens keep working beside the identity provider', async () => {
  const res = await me(await s.tokens.sign('p-chen-jing'));
  expect(res.status).toBe(200);
  expect(res.body.id).toBe('p-chen-jing');
});
