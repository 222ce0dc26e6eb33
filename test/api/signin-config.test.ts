/** Browser sign-in settings in the environment (config/signin.ts), and where a sign-in may return to. */
import { ConfigError, parseEnv } from '../../config/env';
import { signInConfig } from '../../app/signin';
import { safeReturnTo } from '../../api/signin-routes';

test('defaults: dev sign-in only, 30 minutes idle, 10 hours at most', () => {
  expect(signInConfig(parseEnv({ PORT: '3104' }))).toEqual({
    publicUrl: 'http://localhost:3104',
    idleTimeoutSec: 1800,
    absoluteTimeoutSec: 36000,
    embedded: true,
    browser: undefined,
    oidc: undefined,
    cas: undefined,
  });
});

test('OIDC from the environment, browser sign-in only (no bearer verification)', () => {
  const cfg = signInConfig(
    parseEnv({
      PUBLIC_URL: 'https://duty.example.edu.cn',
      AUTH_EMBEDDED: 'false',
      OIDC_ISSUER: 'https://idp.example.edu.cn/realms/u',
      OIDC_CLIENT_ID: 'cyberduty',
      OIDC_CLIENT_SECRET: 's3cret',
      SESSION_IDLE_TIMEOUT: '15m',
      SESSION_ABSOLUTE_TIMEOUT: '8h',
    }),
  );
  expect(cfg).toMatchObject({
    publicUrl: 'https://duty.example.edu.cn',
    idleTimeoutSec: 900,
    absoluteTimeoutSec: 28800,
    embedded: false,
    browser: 'oidc',
    oidc: {
      issuer: 'https://idp.example.edu.cn/realms/u',
      clientId: 'cyberduty',
      clientSecret: 's3cret',
      redirectUri: 'https://duty.example.edu.cn/api/auth/callback',
      postLogoutRedirectUri: 'https://duty.example.edu.cn/',
      scopes: 'openid profile email',
      subjectClaim: 'sub',
      personMatch: 'staffNo',
    },
  });
});

test('CAS from the environment', () => {
  const cfg = signInConfig(parseEnv({ PUBLIC_URL: 'https://duty.example.edu.cn/', CAS_BASE_URL: 'https://cas.example.edu.cn/cas', CAS_USER_ATTRIBUTE: 'staffNo' }));
  expect(cfg).toMatchObject({
    browser: 'cas',
    cas: { baseUrl: 'https://cas.example.edu.cn/cas', serviceUrl: 'https://duty.example.edu.cn/api/auth/cas/callback', userAttribute: 'staffNo', personMatch: 'staffNo' },
  });
});

test.each([
  [{ AUTH_BROWSER: 'oidc' }, 'AUTH_BROWSER=oidc needs OIDC_ISSUER and OIDC_CLIENT_ID'],
  [{ AUTH_BROWSER: 'cas' }, 'AUTH_BROWSER=cas needs CAS_BASE_URL'],
  [{ AUTH_BROWSER: 'saml' }, 'AUTH_BROWSER'],
  [{ OIDC_ISSUER: 'https://idp.example.edu.cn' }, 'must be set together'],
  [{ AUTH_EMBEDDED: 'false' }, 'nobody could sign in'],
  [{ OIDC_SCOPES: 'profile email' }, 'must include openid'],
  [{ SESSION_IDLE_TIMEOUT: 'an hour' }, 'SESSION_IDLE_TIMEOUT'],
  [{ SESSION_IDLE_TIMEOUT: '9h', SESSION_ABSOLUTE_TIMEOUT: '8h' }, 'is longer than SESSION_ABSOLUTE_TIMEOUT'],
])('refused: %j', (env, message) => {
  expect(() => parseEnv(env)).toThrow(ConfigError);
  expect(() => parseEnv(env)).toThrow(message);
});

test('returnTo: paths of this site only', () => {
  const site = 'https://duty.example.edu.cn';
  expect(safeReturnTo('/', site)).toBe('/');
  expect(safeReturnTo('/notices/2026-0001?tab=a#b', site)).toBe('/notices/2026-0001?tab=a#b');
  expect(safeReturnTo('/a/../notices', site)).toBe('/notices');
  for (const bad of ['', 'notices', '//evil.example.com', '/\\evil.example.com', '\\\\evil', 'https://evil.example.com/', 'javascript:alert(1)', '/x\r\nSet-Cookie: a=b', '/x\u0000', 'x'.repeat(3000), 42, null]) {
    expect({ bad, to: safeReturnTo(bad, site) }).toEqual({ bad, to: null });
  }
});
