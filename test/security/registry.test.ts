/**
 * The endpoint registry (api/endpoints.ts) and the routers agree: every route express would answer
 * is in the registry, and every registry entry is a route. And the README's role × endpoint matrix
 * is the one the access table and the registry generate now.
 */
import fs from 'node:fs';
import pino from 'pino';
import { createApp, type AppDeps } from '../../api/app';
import { ENDPOINTS, TARGETS } from '../../api/endpoints';
import { POLICY } from '../../domain/access';
import { currentMatrix, README, renderAccessMatrix } from '../../scripts/access-matrix';

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Walks express's router stack: every route with its full path; RegExp routes apart. */
function routesOf(stack: LayerLike[], prefix = ''): { routes: string[]; patterns: RegExp[] } {
  const routes: string[] = [];
  const patterns: RegExp[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const p = layer.route.path;
      if (p instanceof RegExp) {
        patterns.push(p);
        continue;
      }
      if (typeof p !== 'string') throw new Error(`A route with a path of another kind: ${String(p)}`);
      const full = `${prefix}${p}`.replace(/(.)\/$/, '$1');
      for (const [m, on] of Object.entries(layer.route.methods)) if (on) routes.push(`${m.toUpperCase()} ${full}`);
    } else if (layer.handle?.stack) {
      if (typeof layer.rawPath !== 'string') throw new Error('A router mounted on a path that is not a string');
      const inner = routesOf(layer.handle.stack, layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`);
      routes.push(...inner.routes);
      patterns.push(...inner.patterns);
    }
  }
  return { routes, patterns };
}

function appRoutes() {
  // Routers are built when the app is; nothing here is called.
  const deps = {
    db: {},
    temporal: {},
    taskQueue: 'registry',
    policy: {},
    calendar: {},
    tokens: {},
    logger: pino({ level: 'silent' }),
    evidenceMaxBytes: 1024,
    // Every route there can be: the dev sign-in page exists only with the embedded issuer on.
    signIn: { publicUrl: 'http://registry.test', idleTimeoutSec: 60, absoluteTimeoutSec: 600, embedded: true },
  } as unknown as AppDeps;
  const app = createApp(deps) as unknown as { router: { stack: LayerLike[] } };
  return routesOf(app.router.stack);
}

test('every route is in the registry, and every registry entry is a route', () => {
  const { routes, patterns } = appRoutes();
  const registered = ENDPOINTS.map((e) => `${e.method} ${e.path}`);
  expect(new Set(registered).size).toBe(registered.length);
  const missing = routes.filter((r) => !registered.includes(r));
  const stale = registered.filter((r) => !routes.includes(r));
  if (missing.length || stale.length) {
    throw new Error(
      [
        missing.length ? `Routes missing from api/endpoints.ts (add them, with their action and target): ${missing.join(', ')}` : '',
        stale.length ? `Entries of api/endpoints.ts with no route: ${stale.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
  // The only RegExp routes are the web UI's pages, which never answer under /api.
  for (const p of patterns) {
    for (const e of ENDPOINTS) if (e.path.startsWith('/api')) expect(p.test(e.path)).toBe(false);
  }
});

test('each entry names an action of the access table and a target that fits it', () => {
  for (const e of ENDPOINTS) {
    const what = `${e.method} ${e.path}`;
    const params = e.path.match(/:\w+/g) ?? [];
    if (!['public', 'authenticated', 'owner', 'assignee'].includes(e.action)) {
      expect({ what, known: e.action in POLICY }).toEqual({ what, known: true });
    }
    if (e.action === 'owner' || e.action === 'assignee') expect({ what, target: e.target === 'none' }).toEqual({ what, target: false });
    // Item endpoints have an :id (or a robot's scope/scopeId/kind); collections have none.
    expect({ what, item: e.target !== 'none' }).toEqual({ what, item: params.length > 0 });
    if (e.target !== 'none') expect(TARGETS[e.target]).toBeDefined();
    // Public (no sign-in) on purpose, and only these; anything else new needs a token.
    if (e.action === 'public') {
      expect([
        '/healthz',
        '/api/glossary',
        // Signing in (README "Sign-in"): before anyone is signed in, by definition.
        '/api/auth/config',
        '/api/auth/login',
        '/api/auth/callback',
        '/api/auth/cas/callback',
        '/api/auth/dev/people',
        '/api/auth/dev/signin',
      ]).toContain(e.path);
    }
  }
});

test('the README matrix is the one the access table and the registry generate', () => {
  const readme = fs.readFileSync(README, 'utf8');
  const block = currentMatrix(readme);
  if (block !== renderAccessMatrix()) {
    throw new Error('README.md: the role × endpoint matrix is out of date (or its markers are missing). Run `npm run docs:matrix` and commit README.md.');
  }
});
