/**
 * Endpoints for operators and their machines: liveness (`/healthz`), readiness (`/readyz`), and
 * Prometheus metrics (`/metrics`). Liveness says only that the process answers — a restart does
 * not cure a database outage, so an orchestrator must not kill the API for one. Readiness says
 * whether this instance can serve now: database, Temporal, migrations applied, not shutting down;
 * a load balancer sends it no traffic while it is not.
 */
import crypto from 'node:crypto';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { pendingMigrations } from '../db/migrate';
import type { ApiMetrics } from './metrics';

export interface OpsDeps {
  db: Db;
  temporal: Client;
  metrics: ApiMetrics;
  /** METRICS_TOKEN: when set, `/metrics` wants `Authorization: Bearer <token>`; else loopback only. */
  metricsToken?: string;
  /** True once the process is shutting down (readiness turns 503 first, then connections drain). */
  isDraining?: () => boolean;
}

const CHECK_TIMEOUT_MS = 3000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}

export type Readiness = { ready: boolean; checks: Record<string, string> };

export async function readiness(deps: Pick<OpsDeps, 'db' | 'temporal' | 'isDraining'>): Promise<Readiness> {
  const checks: Record<string, string> = {};
  const [database, temporal] = await Promise.allSettled([
    within(
      (async () => {
        await deps.db.query('SELECT 1');
        return pendingMigrations(deps.db);
      })(),
      CHECK_TIMEOUT_MS,
    ),
    within(deps.temporal.connection.workflowService.getSystemInfo({}), CHECK_TIMEOUT_MS),
  ]);
  if (database.status === 'fulfilled') {
    checks.database = 'ok';
    checks.migrations = database.value.length === 0 ? 'ok' : `pending: ${database.value.join(', ')}`;
  } else {
    checks.database = `unavailable: ${(database.reason as Error).message}`;
    checks.migrations = 'unknown (database unavailable)';
  }
  checks.temporal = temporal.status === 'fulfilled' ? 'ok' : `unavailable: ${(temporal.reason as Error).message}`;
  if (deps.isDraining?.()) checks.shutdown = 'draining: this instance is stopping';
  return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
}

function isLoopback(addr: string | undefined): boolean {
  return !!addr && (addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.'));
}

function sameSecret(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export function opsRoutes(deps: OpsDeps): Router {
  const r = Router();

  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  r.get('/readyz', async (_req, res) => {
    const { ready, checks } = await readiness(deps);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      ...(ready ? {} : { error: '服务暂不可用，正在自动恢复 / Not ready: a dependency is unavailable; recovering by itself' }),
      checks,
    });
  });

  // The metrics disclose counts (notices per severity, failures per channel), not contents: still
  // for the monitoring system only.
  r.get('/metrics', async (req, res) => {
    const auth = req.get('authorization') ?? '';
    const allowed = deps.metricsToken
      ? auth.startsWith('Bearer ') && sameSecret(auth.slice(7), deps.metricsToken)
      : isLoopback(req.socket.remoteAddress);
    if (!allowed) {
      res.status(deps.metricsToken ? 401 : 403).json({
        error: deps.metricsToken
          ? '需要监控令牌（METRICS_TOKEN）/ The metrics token (METRICS_TOKEN) is required'
          : '指标仅对本机开放；设置 METRICS_TOKEN 以远程采集 / Metrics are for this host only; set METRICS_TOKEN to scrape remotely',
        details: null,
      });
      return;
    }
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  return r;
}
