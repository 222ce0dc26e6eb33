/**
 * Which activity errors a retry can cure (issue 11). Temporal retries an activity until it
 * succeeds; an error that can never succeed — data the database refuses, a constraint that data
 * breaks, input that fails validation — must not be retried for ever, so it is raised as a
 * non-retryable ApplicationFailure and the workflow ends cleanly in a recorded state instead.
 *
 * Non-retryable:
 * - SQLSTATE class 22 (data exception: NUL in text, `\u0000` or an unpaired surrogate in jsonb,
 *   a value out of range…);
 * - class 23 (integrity constraint violation: an unknown unit, a NOT NULL…), except a unique
 *   violation on an idempotency key: that is a concurrent attempt of the same activity having
 *   written first, and the next attempt finds its row and writes nothing;
 * - validation errors (zod, the domain's RuleViolation).
 * Everything else is retried with backoff (workflows/common.ts): lost connections (08), timeouts,
 * serialization failures and deadlocks (40001, 40P01), a database shutting down (57P…), and errors
 * a deploy fixes — those show up in GET /api/system/stuck once they have failed a few times.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { RuleViolation } from '../domain/notice';

/** Unique constraints that are idempotency keys: a violation means "already written". */
const IDEMPOTENCY_CONSTRAINT = /idempotency|dedupe|_events_pkey$|_requests_pkey$/;

export type FailureClass = 'retryable' | 'bad_data' | 'constraint' | 'invalid_input';

/** How an error thrown by an activity is to be treated. */
export function classifyActivityError(err: unknown): FailureClass {
  if (err instanceof ZodError || err instanceof RuleViolation) return 'invalid_input';
  const e = err as { code?: unknown; constraint?: unknown };
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    if (e.code.startsWith('22')) return 'bad_data';
    if (e.code.startsWith('23')) {
      if (e.code === '23505' && typeof e.constraint === 'string' && IDEMPOTENCY_CONSTRAINT.test(e.constraint)) return 'retryable';
      return 'constraint';
    }
  }
  return 'retryable';
}

/** The error as the activity should raise it: non-retryable when no retry can cure it. */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const kind = classifyActivityError(err);
  if (kind === 'retryable') return err;
  const e = err as { message?: unknown; code?: unknown; constraint?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return ApplicationFailure.create({
    type: kind,
    message: typeof e.code === 'string' ? `${message} (SQLSTATE ${e.code}${typeof e.constraint === 'string' ? `, ${e.constraint}` : ''})` : message,
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

/** Wraps every activity so that what it throws is classified (used once, where the worker binds them). */
export function classifyingFailures<T extends object>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] =
      typeof fn === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (err) {
              throw asActivityFailure(err);
            }
          }
        : fn;
  }
  return out as T;
}
