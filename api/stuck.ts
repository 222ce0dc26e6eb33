/**
 * Nothing stuck goes unseen (issue 11): the running workflows of this deployment's task queue whose
 * pending activity has failed more than `threshold` times — a record the database keeps refusing,
 * a database that is down, a bug — listed for the office (GET /api/system/stuck) and logged as an
 * error once per stuck activity. Temporal's own APIs are the source: a visibility query for the
 * running workflows of the task queue (at most `maxScan` of them, newest first), then describe of
 * each for its pending activities.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { can, type CurrentUser } from './access';
import { forbidden } from './errors';

export interface StuckItem {
  workflowId: string;
  runId: string;
  workflowType: string;
  activityType: string;
  activityId: string;
  /** Attempts that have failed so far. */
  attempts: number;
  lastFailure: string;
  /** When the activity was scheduled (its first attempt). */
  scheduledAt?: string;
  /** When the last attempt started, and when the next one will. */
  lastAttemptAt?: string;
  nextAttemptAt?: string;
}

export interface StuckConfig {
  /** Listed when an activity has failed more than this many times (STUCK_ACTIVITY_FAILURES). */
  threshold: number;
  /** At most this many running workflows are described per scan (STUCK_SCAN_MAX). */
  maxScan: number;
}

export const DEFAULT_STUCK: StuckConfig = { threshold: 5, maxScan: 500 };

export interface StuckWatch {
  readonly config: StuckConfig;
  /** Scans now; logs each newly stuck activity once. */
  scan(): Promise<StuckItem[]>;
  /** How many activities the last scan found stuck (undefined before the first scan): for /metrics. */
  readonly lastCount: number | undefined;
  /** Scans every `intervalMs` in the background (so stuck activities are logged unasked). */
  start(intervalMs: number): void;
  stop(): void;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function createStuckWatch(deps: { temporal: Client; taskQueue: string; logger: Logger; config?: Partial<StuckConfig> }): StuckWatch {
  const config = { ...DEFAULT_STUCK, ...deps.config };
  const logged = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let lastCount: number | undefined;

  async function describeOne(workflowId: string, runId: string, workflowType: string): Promise<StuckItem[]> {
    let d;
    try {
      d = await deps.temporal.workflow.getHandle(workflowId, runId).describe();
    } catch {
      return []; // closed or gone since the list was read
    }
    return (d.raw.pendingActivities ?? []).flatMap((a) => {
      const failed = Math.max(0, (a.attempt ?? 1) - 1);
      if (failed <= config.threshold) return [];
      return [
        {
          workflowId,
          runId,
          workflowType,
          activityType: a.activityType?.name ?? '',
          activityId: a.activityId ?? '',
          attempts: failed,
          lastFailure: a.lastFailure?.message ?? '',
          scheduledAt: iso(optionalTsToMs(a.scheduledTime)),
          lastAttemptAt: iso(optionalTsToMs(a.lastStartedTime)),
          nextAttemptAt: iso(optionalTsToMs(a.nextAttemptScheduleTime)),
        },
      ];
    });
  }

  async function scan(): Promise<StuckItem[]> {
    const running: Array<{ workflowId: string; runId: string; type: string }> = [];
    const query = `ExecutionStatus = "Running" AND TaskQueue = "${deps.taskQueue.replace(/["\\]/g, '')}"`;
    for await (const w of deps.temporal.workflow.list({ query, pageSize: Math.min(config.maxScan, 100) })) {
      running.push({ workflowId: w.workflowId, runId: w.runId, type: w.type });
      if (running.length >= config.maxScan) break;
    }
    const items: StuckItem[] = [];
    // A few describes at a time: bounded load on the Temporal frontend.
    for (let i = 0; i < running.length; i += 8) {
      const batch = await Promise.all(running.slice(i, i + 8).map((w) => describeOne(w.workflowId, w.runId, w.type)));
      items.push(...batch.flat());
    }
    const now = new Set<string>();
    for (const it of items) {
      const key = `${it.workflowId}/${it.runId}/${it.activityId}`;
      now.add(key);
      if (!logged.has(key)) {
        logged.add(key);
        deps.logger.error({ stuck: it }, `STUCK ACTIVITY: ${it.activityType} of ${it.workflowId} has failed ${it.attempts} times: ${it.lastFailure}`);
      }
    }
    // Forget what is no longer stuck (it succeeded or ended): if it gets stuck again it is logged again.
    if (running.length < config.maxScan) for (const k of logged) if (!now.has(k)) logged.delete(k);
    lastCount = items.length;
    return items;
  }

  return {
    config,
    scan,
    get lastCount() {
      return lastCount;
    },
    start(intervalMs) {
      if (timer) return;
      timer = setInterval(() => {
        scan().catch((err: unknown) => deps.logger.warn({ err }, 'the scan for stuck activities failed'));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** GET /api/system/stuck (office): `{ items, threshold }`. */
export function systemRoutes(watch: StuckWatch): Router {
  const r = Router();
  r.get('/stuck', async (req, res: Response) => {
    if (!can(res.locals.user as CurrentUser, 'ops.read')) {
      throw forbidden('只有领导小组办公室可以查看卡住的流程', 'Only the office may see stuck processes');
    }
    z.strictObject({}).parse(req.query);
    res.json({ items: await watch.scan(), threshold: watch.config.threshold });
  });
  return r;
}
