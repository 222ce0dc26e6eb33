/**
 * Identity providers for the sign-in tests, real or speaking the real protocol:
 * - an OpenID provider (oidc-provider 9, certified) on a free port, with its development login and
 *   consent pages (any login and password; the login is the account id, here a staff number);
 * - a small CAS 3.0 server fake: `/login` hands out a service ticket for a chosen user, and
 *   `/p3/serviceValidate` answers with the protocol's XML (success with attributes, or failure);
 * - a browser-like HTTP client (cookie jar per host, redirects followed by hand and recorded) to
 *   walk the redirects between the app and the provider.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface TestIdp {
  issuer: string;
  close(): Promise<void>;
}

/**
 * An OpenID provider at http://localhost:<port> (another site than the app at 127.0.0.1, so the
 * browser treats the hop back as cross-site, as in production).
 */
export async function startOidcProvider(client: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}): Promise<TestIdp> {
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://localhost:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-rs256', alg: 'RS256', use: 'sig' };
  // Its start-up advice about development defaults (in-memory adapter, dev interactions, Node 22)
  // is for deployments; the tests know.
  const quiet = (orig: typeof console.warn) => (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider')) orig(...args);
  };
  const [warn, info] = [console.warn, console.info];
  console.warn = quiet(warn);
  console.info = quiet(info);
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        post_logout_redirect_uris: [client.postLogoutRedirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, name: `测试用户 ${id}`, email: `${id.toLowerCase()}@example.edu.cn` }),
    }),
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    // Every client must use PKCE (S256), confidential ones too.
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  // Some of the advice comes on first use: keep the filter while the provider runs.
  const restore = () => {
    console.warn = warn;
    console.info = info;
  };
  // oidc-provider logs to the console about its development defaults; the tests know.
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  server.on('request', provider.callback());
  return {
    issuer,
    close: async () => {
      restore();
      await closeServer(server);
    },
  };
}

export interface CasFake {
  baseUrl: string;
  /** The user the next `/login` signs in, with attributes. */
  signInAs(user: string, attributes?: Record<string, string | string[]>): void;
  /** How many validations were asked, and with which service. */
  validations: Array<{ service: string; ticket: string }>;
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A CAS 3.0 server fake: tickets are single-use and bound to the service they were issued for. */
export async function startCasFake(): Promise<CasFake> {
  const tickets = new Map<string, { service: string; user: string; attributes: Record<string, string | string[]> }>();
  let next: { user: string; attributes: Record<string, string | string[]> } = { user: 'nobody', attributes: {} };
  const validations: CasFake['validations'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cas.invalid');
    if (url.pathname === '/cas/login') {
      const service = url.searchParams.get('service') ?? '';
      const ticket = `ST-${crypto.randomBytes(12).toString('hex')}`;
      tickets.set(ticket, { service, ...next });
      const to = new URL(service);
      to.searchParams.set('ticket', ticket);
      res.writeHead(302, { location: to.toString() }).end();
      return;
    }
    if (url.pathname === '/cas/p3/serviceValidate') {
      const service = url.searchParams.get('service') ?? '';
      const ticket = url.searchParams.get('ticket') ?? '';
      validations.push({ service, ticket });
      const t = tickets.get(ticket);
      tickets.delete(ticket);
      res.setHeader('content-type', 'application/xml; charset=UTF-8');
      if (!t || t.service !== service) {
        const code = t ? 'INVALID_SERVICE' : 'INVALID_TICKET';
        res.end(
          `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">\n  <cas:authenticationFailure code="${code}">Ticket ${xmlEscape(ticket)} not recognized</cas:authenticationFailure>\n</cas:serviceResponse>\n`,
        );
        return;
      }
      const attrs = Object.entries(t.attributes)
        .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `      <cas:${k}>${xmlEscape(x)}</cas:${k}>`))
        .join('\n');
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">\n  <cas:authenticationSuccess>\n    <cas:user>${xmlEscape(t.user)}</cas:user>\n    <cas:attributes>\n      <cas:isFromNewLogin>true</cas:isFromNewLogin>\n${attrs}\n    </cas:attributes>\n  </cas:authenticationSuccess>\n</cas:serviceResponse>\n`,
      );
      return;
    }
    res.writeHead(404).end();
  });
  const port = await listen(server);
  return {
    baseUrl: `http://localhost:${port}/cas`,
    signInAs(user, attributes = {}) {
      next = { user, attributes };
    },
    validations,
    close: () => closeServer(server),
  };
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  httpOnly: boolean;
  sameSite: string | null;
}

/** One hop of a walk: the request and what it answered. */
export interface Hop {
  method: string;
  url: string;
  status: number;
  location: string | null;
  setCookies: string[];
}

/** A browser as far as cookies and redirects go (no JavaScript). */
export class HttpBrowser {
  cookies: StoredCookie[] = [];
  hops: Hop[] = [];

  cookie(name: string, host?: string): StoredCookie | undefined {
    return this.cookies.find((c) => c.name === name && (host === undefined || c.host === host));
  }

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter((c) => c.host === url.hostname && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, header: string): void {
    const [pair, ...attrs] = header.split(';').map((x) => x.trim());
    const i = pair.indexOf('=');
    const name = pair.slice(0, i);
    const value = pair.slice(i + 1);
    const attr = (k: string) => attrs.find((a) => a.toLowerCase().startsWith(`${k.toLowerCase()}=`))?.split('=')[1] ?? null;
    const path = attr('path') ?? '/';
    const expired = attr('max-age') === '0' || (attr('expires') !== null && Date.parse(attr('expires')!) < Date.now());
    this.cookies = this.cookies.filter((c) => !(c.name === name && c.host === url.hostname && c.path === path));
    if (!expired) {
      this.cookies.push({
        name,
        value,
        host: url.hostname,
        path,
        httpOnly: attrs.some((a) => a.toLowerCase() === 'httponly'),
        sameSite: attr('samesite'),
      });
    }
  }

  /** One request, no redirect followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<{ res: Response; text: string }> {
    const u = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(u, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) this.store(u, c);
    this.hops.push({ method: init.method ?? (body ? 'POST' : 'GET'), url, status: res.status, location: res.headers.get('location'), setCookies });
    return { res, text: await res.text() };
  }

  /** Follows redirects (as a browser: a POST answered 302/303 becomes a GET) until a page answers. */
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}, maxHops = 20): Promise<{ url: string; res: Response; text: string }> {
    let current = url;
    let step = await this.request(current, init);
    for (let n = 0; n < maxHops && step.res.status >= 300 && step.res.status < 400; n++) {
      current = new URL(step.res.headers.get('location')!, current).toString();
      step = await this.request(current);
    }
    return { url: current, ...step };
  }

  /** Submits the first form of a page as the person would (its hidden fields, plus `fields`). */
  async submitForm(pageUrl: string, html: string, fields: Record<string, string> = {}) {
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) throw new Error(`no form on ${pageUrl}: ${html.slice(0, 300)}`);
    const hidden: Record<string, string> = {};
    for (const m of form[2].matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) hidden[m[1]] = m[2];
    return this.go(new URL(form[1].replace(/&amp;/g, '&'), pageUrl).toString(), { form: { ...hidden, ...fields } });
  }
}
