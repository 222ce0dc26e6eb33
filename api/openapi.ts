/**
 * The OpenAPI 3.1 document, generated from the endpoint registry (api/endpoints.ts) with
 * @asteasolutions/zod-to-openapi: every registry entry becomes an operation (path parameters from
 * its express pattern, its summary in Chinese and English, who may call it, the bearer scheme unless
 * public), with the zod schemas of its body and query where the entry points to them. An endpoint
 * added to the registry appears here with no change to this file. Served at /api/openapi.json, and
 * read by the docs page at /api/docs (Swagger UI's own files from swagger-ui-dist, served locally,
 * with a page and initialiser of our own so the CSP needs no inline code).
 */
import path from 'node:path';
import express, { Router } from 'express';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ENDPOINTS, type Endpoint } from './endpoints';

const errorBody = z
  .object({
    error: z.string().meta({ description: '中文 / English', example: '请求内容不符合要求 / The request is not valid' }),
    details: z.unknown().nullable(),
  })
  .meta({ id: 'Error' });

const ERROR_ANSWERS: Record<string, string> = {
  400: '请求内容不符合要求 / invalid body or query (details lists the fields)',
  401: '未登录或令牌无效 / no or bad token',
  403: '无权执行此操作 / not allowed for your role',
  404: '未找到或不可见 / not found, or not yours to see',
  409: '当前状态下不能执行 / not possible in the current state',
  415: '请求体须为 JSON / the body is not JSON',
  422: '不符合规定 / well-formed but against the rules',
  429: '请求过于频繁 / too many requests',
  503: '暂不可用（流程或数据库），可稍后重试 / the workflow or the database is unavailable for now',
};

/** `/api/notices/:id/evidence/:sha256` → `/api/notices/{id}/evidence/{sha256}` and its parameter names. */
export function openApiPath(expressPath: string): { path: string; params: string[] } {
  const params = [...expressPath.matchAll(/:(\w+)/g)].map((m) => m[1]);
  return { path: expressPath.replace(/:(\w+)/g, '{$1}'), params };
}

function who(e: Endpoint): string {
  switch (e.action) {
    case 'public':
      return '公开 / public (no sign-in)';
    case 'authenticated':
      return '任何已登录用户 / any signed-in person';
    case 'owner':
      return '本人 / the owner only';
    case 'assignee':
      return '当前层级的领导（或其代理人）/ the leader at the current level (or a delegate)';
    default:
      return `访问表 / access table: \`${e.action}\`${e.ownItems ? ' (or own items)' : ''} — README “Access matrix”`;
  }
}

export function buildOpenApi(opts: { version?: string; serverUrl?: string } = {}): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: '嵌入式令牌（npm run token）或单点登录的 ID 令牌 / an embedded token (npm run token) or the identity provider’s token',
  });
  for (const e of ENDPOINTS) {
    const { path: p, params } = openApiPath(e.path);
    const isApi = e.path.startsWith('/api/');
    const errors = e.action === 'public' ? (isApi ? ['503'] : []) : ['400', '401', '403', '404', '409', '415', '422', '429', '503'];
    registry.registerPath({
      method: e.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete',
      path: p,
      summary: `${e.summary.zh} / ${e.summary.en}`,
      description: `调用者 / who may call: ${who(e)}`,
      tags: [isApi ? (e.path.split('/')[2] ?? 'api') : 'operations'],
      ...(e.action === 'public' ? {} : { security: [{ [bearer.name]: [] }] }),
      request: {
        ...(params.length > 0 ? { params: z.object(Object.fromEntries(params.map((n) => [n, z.string()]))) } : {}),
        ...(e.query ? { query: e.query } : {}),
        ...(e.body ? { body: { required: true, content: { 'application/json': { schema: e.body } } } } : {}),
      },
      responses: {
        [e.method === 'POST' && e.target === 'none' && e.path !== '/api/me/inbox' ? '201' : '200']: {
          description: 'OK',
          ...(e.path === '/metrics' ? { content: { 'text/plain': { schema: z.string() } } } : { content: { 'application/json': { schema: e.answer ?? z.unknown() } } }),
        },
        ...Object.fromEntries(
          errors.map((code) => [code, { description: ERROR_ANSWERS[code], content: { 'application/json': { schema: errorBody } } }]),
        ),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'cyberduty — 网络安全工作责任制 API',
      version: opts.version ?? '0.1.0',
      description:
        '整改通知、逐级督办、问责建议。错误为 `{error: "中文 / English", details}`。 / Rectification notices, escalation up the chain, accountability proposals. Errors are `{error: "中文 / English", details}`.',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
  });
}

/** /api/openapi.json and the docs page at /api/docs (public: the API's shape is no secret). */
export function openApiRoutes(opts: { serverUrl?: string } = {}): Router {
  const r = Router();
  let doc: ReturnType<typeof buildOpenApi> | undefined;
  r.get('/api/openapi.json', (_req, res) => {
    doc ??= buildOpenApi(opts);
    res.json(doc);
  });
  const page = path.join(__dirname, 'docs-page');
  r.get('/api/docs', (_req, res) => res.sendFile(path.join(page, 'index.html')));
  // Swagger UI's own files (swagger-ui-dist, a dependency of swagger-ui-express), never a CDN.
  const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  r.use('/api/docs/assets', express.static(page, { index: false }), express.static(dist, { index: false }));
  return r;
}
