/**
 * Prometheus metrics (prom-client), one registry per app. Two kinds:
 * - measured here: API latency by route (the express pattern, never the raw URL, so notice numbers
 *   do not explode the label set);
 * - counted from the records at scrape time: open and overdue notices by severity, workflow
 *   outcomes (notices by final status), escalations by level, notifications by channel and status
 *   and failed attempts by channel. Counting from the database, not from one process's memory,
 *   makes every API instance report the same figures, and a restart loses none.
 * The Temporal SDK's own metrics (workflow task latency, slots, polls…) come from the worker's
 * runtime telemetry (app/system.ts installTemporalRuntime, TEMPORAL_METRICS_PORT).
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queryable } from '../db/client';
import { opsFigures } from '../db/ops';

export interface ApiMetrics {
  registry: Registry;
  /** Times every request; put it before the routes. */
  middleware: RequestHandler;
}

const TERMINAL = new Set(['closed', 'withdrawn']);

/** `stuckActivities`: the count of the stuck-process scan's last run (api/stuck.ts), read at scrape time. */
export function createMetrics(db: Queryable, opts: { stuckActivities?: () => number | undefined } = {}): ApiMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'cyberduty' });
  collectDefaultMetrics({ register: registry, prefix: 'cyberduty_' });

  const latency = new Histogram({
    name: 'cyberduty_http_request_duration_seconds',
    help: 'API latency by method, route (express pattern) and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const scrapeErrors = new Counter({
    name: 'cyberduty_metrics_scrape_errors_total',
    help: 'Scrapes whose figures could not be read from the database',
    registers: [registry],
  });

  // Gauges filled from one set of queries per scrape.
  let figures: Promise<Awaited<ReturnType<typeof opsFigures>> | null> | null = null;
  const read = () => {
    figures ??= opsFigures(db)
      .catch(() => {
        scrapeErrors.inc();
        return null;
      })
      .finally(() => setTimeout(() => (figures = null), 0));
    return figures;
  };

  new Gauge({
    name: 'cyberduty_notices_open',
    help: 'Open notices (issued, rectifying, under review) by severity',
    labelNames: ['severity'] as const,
    registers: [registry],
    async collect() {
      const f = await read();
      this.reset();
      for (const r of f?.notices ?? []) if (!TERMINAL.has(r.status)) this.inc({ severity: r.severity }, r.n);
    },
  });
  new Gauge({
    name: 'cyberduty_notices_overdue',
    help: 'Open notices past a deadline, by severity and the missed deadline (acknowledge | rectify)',
    labelNames: ['severity', 'deadline'] as const,
    registers: [registry],
    async collect() {
      const f = await read();
      this.reset();
      for (const r of f?.notices ?? []) if (!TERMINAL.has(r.status) && r.overdue) this.inc({ severity: r.severity, deadline: r.overdue }, r.n);
    },
  });
  new Gauge({
    name: 'cyberduty_notice_workflows',
    help: 'Notice workflows by status: the outcomes (closed, withdrawn) and those still running',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const f = await read();
      this.reset();
      for (const r of f?.notices ?? []) this.inc({ status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'cyberduty_escalations',
    help: 'Escalations by current level (1–5) and status',
    labelNames: ['level', 'status'] as const,
    registers: [registry],
    async collect() {
      const f = await read();
      this.reset();
      for (const r of f?.escalations ?? []) this.inc({ level: String(r.level), status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'cyberduty_notifications',
    help: 'Outbox rows by channel and status (failed: waiting for the office to retry)',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
    async collect() {
      const f = await read();
      this.reset();
      for (const r of f?.outbox ?? []) this.set({ channel: r.channel, status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'cyberduty_notification_attempt_failures',
    help: 'Failed delivery attempts by channel and result (error, lease_expired), since the start of the records',
    labelNames: ['channel', 'result'] as const,
    registers: [registry],
    async collect() {
      const f = await read();
      this.reset();
      for (const r of f?.attemptFailures ?? []) this.set({ channel: r.channel, result: r.result }, r.n);
    },
  });

  new Gauge({
    name: 'cyberduty_stuck_activities',
    help: 'Activities failing more than STUCK_ACTIVITY_FAILURES times, at the last scan (GET /api/system/stuck)',
    registers: [registry],
    collect() {
      const n = opts.stuckActivities?.();
      this.reset();
      if (n !== undefined) this.set(n);
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.on('finish', () => {
      // req.route is the innermost matched route; baseUrl the routers' mount path.
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}`.replace(/(.)\/$/, '$1') : 'unmatched';
      end({ method: req.method, route, status: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  };

  return { registry, middleware };
}
