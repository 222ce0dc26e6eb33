/**
 * Deadlines given as an instant (the counterpart of deadlines.ts, which computes them with the
 * calendar). Kept apart so the workflow bundle can build one without the calendar's data.
 */
import type { Deadline } from './deadlines';
import { formatBeijingEn, formatBeijingZh } from './time';

/**
 * The one builder of a deadline given as an instant rather than computed by the calendar: set by
 * the office, by an approved extension or a leader's decision, or a plain-time fallback. `says`
 * words how it was set, given the due time in Beijing time ("2026-10-20 18:00（北京时间）" and
 * "2026-10-20 18:00 (Beijing time, UTC+8)").
 */
export function explicitDeadline(
  at: string,
  basis: 'explicit' | 'extension' | 'supervision',
  from: string,
  says: (due: { zh: string; en: string }) => { zh: string; en: string },
): Deadline {
  return {
    at: new Date(Date.parse(at)).toISOString(),
    explanation: { basis, from, workingDays: false, warnings: [], ...says({ zh: formatBeijingZh(at), en: formatBeijingEn(at) }) },
  };
}

/** The usual wording: "<why>，截止于<due>" / "<why>; due <due>". */
export function dueBecause(why: { zh: string; en: string }): (due: { zh: string; en: string }) => { zh: string; en: string } {
  return (due) => ({ zh: `${why.zh}，截止于${due.zh}`, en: `${why.en}; due ${due.en}` });
}
