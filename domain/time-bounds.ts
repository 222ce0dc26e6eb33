/**
 * Times people give must lie in a plausible window from now (issue 11): a deadline in the year
 * 9999 is a typing error, not a plan, and would keep a timer and a notice open for ever. The window
 * comes from the policy (`limits`, domain/policy.ts); a time outside it is refused as invalid input
 * (422), with the allowed range in both languages.
 */
import { durationMs, parseDuration } from './duration';
import { RuleViolation } from './notice';
import type { Policy } from './policy';
import { formatBeijingEn, formatBeijingZh } from './time';

export interface TimeLimits {
  maxDeadlineAhead: string;
  maxFactsAgo: string;
}

const ms = (iso: string) => durationMs(parseDuration(iso));

/** The latest instant a deadline, extension or supervision date may have, given `now`. */
export function latestDeadline(limits: TimeLimits, now: number): number {
  return now + ms(limits.maxDeadlineAhead);
}

/** Refuses a deadline (or extension, or supervision date) further ahead than the policy allows. */
export function checkDeadlineWithin(policy: Pick<Policy, 'limits'>, field: string, at: string, now: number): void {
  const t = Date.parse(at);
  const latest = latestDeadline(policy.limits, now);
  if (Number.isNaN(t) || t > latest) {
    throw new RuleViolation(
      'invalid_input',
      `${field} 超出允许范围：须早于 ${formatBeijingZh(new Date(latest).toISOString())}（策略 limits.maxDeadlineAhead = ${policy.limits.maxDeadlineAhead}）`,
      `${field} is out of range: it must be before ${formatBeijingEn(new Date(latest).toISOString())} (policy limits.maxDeadlineAhead = ${policy.limits.maxDeadlineAhead})`,
    );
  }
}

/** Refuses a time of facts further back than the policy allows. */
export function checkFactsWithin(policy: Pick<Policy, 'limits'>, field: string, at: string, now: number): void {
  const t = Date.parse(at);
  const earliest = now - ms(policy.limits.maxFactsAgo);
  if (Number.isNaN(t) || t < earliest) {
    throw new RuleViolation(
      'invalid_input',
      `${field} 超出允许范围：须晚于 ${formatBeijingZh(new Date(earliest).toISOString())}（策略 limits.maxFactsAgo = ${policy.limits.maxFactsAgo}）`,
      `${field} is out of range: it must be after ${formatBeijingEn(new Date(earliest).toISOString())} (policy limits.maxFactsAgo = ${policy.limits.maxFactsAgo})`,
    );
  }
}
