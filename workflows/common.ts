/** What the workflows share: turning domain refusals into update failures, activity options, the clock. */
import { ActivityFailure, ApplicationFailure, isCancellation, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { RuleViolation, type NotRecorded } from '../domain/notice';

/**
 * Options of the record and notify activities: an outage must delay a record, not lose it — but
 * nothing retries for ever. Errors no retry can cure are non-retryable (activities/failures.ts) and
 * fail at once. Retryable ones (connection lost, timeouts, serialization failures) back off from 1 s
 * doubling to one attempt a minute, for at most 24 hours: long enough to restore a database over a
 * night, and after the 5th attempt (about half a minute) the activity is listed by
 * GET /api/system/stuck and logged. When the bound is reached the activity fails like a
 * non-retryable one (README, Operations).
 */
export const RECORD_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * A step's first attempt, as a local activity: the worker runs it inside the workflow task that
 * asked for it, so the server handles one workflow task for the step instead of two and an
 * activity task — on a server with one history shard, or under a burst of due timers, that is
 * most of a step's cost there. One attempt, bounded: anything that goes wrong (the database down,
 * slow, refusing) falls back to the ordinary activity and its retry policy (RECORD_ACTIVITY_OPTIONS),
 * whose attempts Temporal's UI and GET /api/system/stuck show. The step's activities are
 * idempotent, so a fallback that runs again what the first attempt wrote (its answer lost) writes
 * and sends nothing twice.
 */
export const LOCAL_FIRST_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
};

/** `local()` once; if it fails (not cancelled), `durable()` — see LOCAL_FIRST_OPTIONS. */
export function localFirst<T>(local: () => Promise<T>, durable: () => Promise<T>): Promise<T> {
  return local().catch((err: unknown) => {
    if (isCancellation(err)) throw err;
    return durable();
  });
}

/** The patch guarding the path a workflow takes when its first record fails for good. */
export const NOT_RECORDED_PATCH = 'not-recorded-on-failed-first-record';

/**
 * Why a first record failed for good, as the office reads it: the activity's failure (non-retryable,
 * or its retry bound reached) with the database's or validator's message.
 */
export function notRecorded(err: ActivityFailure, at: string, what: { zh: string; en: string }): NotRecorded {
  const cause = err.cause?.message ?? err.message;
  return {
    at,
    zh: `${what.zh}未能记录（数据无法保存），流程已结束：${cause}`,
    en: `The ${what.en} could not be recorded (its data cannot be stored), so its process ended: ${cause}`,
    error: cause,
  };
}

/** The update failure a caller waiting for the first record gets when it failed for good. */
export function notRecordedFailure(type: 'not_issued' | 'not_created', r: NotRecorded): ApplicationFailure {
  return ApplicationFailure.create({ type, message: r.en, nonRetryable: true, details: [{ zh: r.zh, en: r.en }] });
}

export { ActivityFailure };

/** The workflow's clock (deterministic: the time of the current workflow task), as stored. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** Runs an update validator's check; a RuleViolation becomes a failure typed with the rule's code. */
export function validate(check: () => unknown): void {
  try {
    check();
  } catch (err) {
    if (err instanceof RuleViolation) {
      throw ApplicationFailure.create({
        type: err.code,
        message: err.message,
        nonRetryable: true,
        details: [{ zh: err.zh, en: err.en }],
      });
    }
    throw err;
  }
}
