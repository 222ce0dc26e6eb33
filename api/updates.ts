/**
 * Calling workflow updates from the API. A stopped worker must not hang the caller: each call is
 * bounded by UPDATE_TIMEOUT_MS and then answered 503. The action may still be applied when the
 * worker returns; a retry is then refused by the workflow's validators, since every action is
 * valid in one state only.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { WorkCalendar } from '../domain/calendar';
import type { Policy } from '../domain/policy';
import { hasGrpcCode, HttpError } from './errors';

export interface UpdateDeps {
  temporal: Client;
  updateTimeoutMs: number;
}

/** What the routers that start and drive workflows (notices, proposals) are built with. */
export interface RouteDeps extends UpdateDeps {
  db: Db;
  taskQueue: string;
  policy: Policy;
  calendar: WorkCalendar;
  evidenceMaxBytes: number;
  /** Prefix of notice and proposal numbers (ID_PREFIX); workflow ids derive from the numbers. */
  idPrefix?: string;
  /** How far the notice list's `total` counts (LIST_COUNT_CAP; default 10,000, db/notices.ts). */
  listCountCap?: number;
}

export async function withUpdateDeadline<T>(deps: UpdateDeps, call: () => Promise<T>): Promise<T> {
  return deps.temporal.withDeadline(Date.now() + deps.updateTimeoutMs, call).catch((err: unknown) => {
    // Our deadline, or the SDK's word that the update call timed out or was cancelled on the way
    // (a CANCELLED from a loaded server): either way the action may or may not have been taken.
    if (hasGrpcCode(err, 4 /* DEADLINE_EXCEEDED */) || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new HttpError(
        503,
        '流程处理暂时无响应，请稍后刷新查看结果后再试',
        'The process did not answer in time; refresh in a moment to see whether the action was taken',
      );
    }
    throw err;
  });
}
