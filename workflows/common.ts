/** What the workflows share: turning domain refusals into update failures, and activity options. */
import { ApplicationFailure, type ActivityOptions } from '@temporalio/workflow';
import { RuleViolation } from '../domain/notice';

/** Options of the record and notify activities: an outage must delay a record, never lose it. */
export const RECORD_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

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
