/**
 * Deadlines (期限) and the explanation shown with them, so that nobody has to guess why a notice is
 * due when it is. Pure: the calendar and the starting instant are passed in.
 *
 * Working-day rule: the days part of the window counts working days, starting with the local day
 * AFTER `from` (Beijing time); the deadline is the end of the Nth working day (00:00 of the next
 * local day); the hours/minutes/seconds part is then added as plain time. Days in a year the
 * calendar does not cover are counted as plain weekdays (Mon–Fri), and a warning says so.
 */
import {
  CHINA_UTC_OFFSET_MINUTES,
  addDays,
  isPlainWeekday,
  localDate,
  startOfLocalDay,
  yearOf,
  type WorkCalendar,
} from './calendar';
import { durationMs, formatDurationEn, formatDurationZh, parseDuration, timePartMs } from './duration';
import { formatLocalTime } from './time';

export interface DeadlineExplanation {
  basis: 'policy' | 'explicit' | 'extension' | 'supervision' | 'review_pause' | 'recomputed';
  /** ISO instant counted from (for explicit deadlines: when the deadline was set). */
  from: string;
  /** ISO duration from the policy. */
  within?: string;
  /** Whether working days were actually counted. */
  workingDays: boolean;
  /** calendar.describe() when working days were used. */
  calendar?: string;
  /** Chinese first, then English, one string each. */
  warnings: string[];
  /** Years the calendar did not cover, counted as plain Monday–Friday (the calendar warning). */
  uncoveredYears?: number[];
  /** basis review_pause: the deadline before, and the time the report waited for review. */
  reviewPause?: { previous: string; submittedAt: string; returnedAt: string; pausedMs: number };
  /** One sentence, e.g. "按策略（高危·整改），自2026-09-30 16:00起5个工作日，截止于2026-10-13 24:00（北京时间）". */
  zh: string;
  en: string;
}

export interface Deadline {
  /** ISO instant. */
  at: string;
  explanation: DeadlineExplanation;
}

export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

export interface ComputeDeadlineArgs {
  from: Date;
  /** ISO-8601 duration, e.g. P5D. */
  within: string;
  workingDays: boolean;
  calendar: WorkCalendar;
  /** What the window is, e.g. { zh: '策略（高危·整改）', en: 'policy (high, rectification)' }. */
  label?: { zh: string; en: string };
  offsetMinutes?: number;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function zoneZh(offsetMinutes: number): string {
  return offsetMinutes === CHINA_UTC_OFFSET_MINUTES ? '（北京时间）' : `（${utcOffsetText(offsetMinutes)}）`;
}

function zoneEn(offsetMinutes: number): string {
  return offsetMinutes === CHINA_UTC_OFFSET_MINUTES ? ' (Beijing time)' : ` (${utcOffsetText(offsetMinutes)})`;
}

function utcOffsetText(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

function uncoveredWarning(years: number[]): string {
  return (
    `计算期限涉及的年份（${years.join('、')}）的法定节假日和调休安排尚未收录，这些日期已按普通工作日（周一至周五）计算，请核对` +
    ` / The PRC holiday schedule for ${years.join(', ')} is not loaded; those days were counted as plain weekdays (Mon–Fri), please check`
  );
}

const NO_WHOLE_DAYS_WARNING =
  '期限不含整日，工作日规则不适用，已按自然时间计算 / The window has no whole days, so the working-day rule does not apply; counted as plain time';

/**
 * The Nth working day after `date` (not counting `date` itself), and the years examined that the
 * calendar does not cover (their days were counted as plain weekdays).
 */
export function nthWorkingDayAfter(
  date: string,
  n: number,
  calendar: WorkCalendar,
): { date: string; uncoveredYears: number[] } {
  if (!Number.isInteger(n) || n < 1) {
    throw new DeadlineError(`工作日数必须是正整数 / The number of working days must be a positive integer, got ${n}`);
  }
  const uncovered = new Set<number>();
  // Even a year of holidays cannot make 2 weeks per working day plus a year necessary.
  const limit = n * 14 + 400;
  let day = date;
  let count = 0;
  for (let i = 0; count < n; i++) {
    if (i >= limit) {
      throw new DeadlineError(
        `在${limit}天内找不到${n}个工作日，请检查日历 / Could not find ${n} working days within ${limit} days; check the calendar`,
      );
    }
    day = addDays(day, 1);
    const year = yearOf(day);
    let working: boolean;
    if (calendar.covers(year)) {
      working = calendar.isWorkingDay(day);
    } else {
      uncovered.add(year);
      working = isPlainWeekday(day);
    }
    if (working) count++;
  }
  return { date: day, uncoveredYears: [...uncovered].sort((a, b) => a - b) };
}

/** A deadline from the policy: `from` plus `within`, in working days or plain time. */
export function computeDeadline(args: ComputeDeadlineArgs): Deadline {
  const { from, within, calendar, offsetMinutes = CHINA_UTC_OFFSET_MINUTES } = args;
  const label = args.label ?? { zh: '策略', en: 'policy' };
  if (!(from instanceof Date) || Number.isNaN(from.getTime())) {
    throw new DeadlineError('起算时间无效 / The starting instant is invalid');
  }
  const d = parseDuration(within);
  const warnings: string[] = [];
  let atMs: number;
  let usedWorkingDays = false;
  let uncoveredYears: number[] | undefined;

  if (!args.workingDays || d.days === 0) {
    if (args.workingDays) warnings.push(NO_WHOLE_DAYS_WARNING);
    atMs = from.getTime() + durationMs(d);
  } else {
    usedWorkingDays = true;
    const last = nthWorkingDayAfter(localDate(from, offsetMinutes), d.days, calendar);
    if (last.uncoveredYears.length) {
      warnings.push(uncoveredWarning(last.uncoveredYears));
      uncoveredYears = last.uncoveredYears;
    }
    atMs = startOfLocalDay(addDays(last.date, 1), offsetMinutes).getTime() + timePartMs(d);
  }

  const at = new Date(atMs);
  // As counted: the start to the second if it has any (midnight is 00:00 of its day), the end at
  // 24:00 of its last day.
  const fromText = formatLocalTime(from, offsetMinutes, { precise: true, midnight: '00:00' });
  const atText = formatLocalTime(at, offsetMinutes, { precise: true });
  const durZh = formatDurationZh(d, { workingDays: usedWorkingDays });
  const durEn = formatDurationEn(d, { workingDays: usedWorkingDays });

  const explanation: DeadlineExplanation = {
    basis: 'policy',
    from: from.toISOString(),
    within: d.iso,
    workingDays: usedWorkingDays,
    warnings,
    zh: `按${label.zh}，自${fromText}起${durZh}，截止于${atText}${zoneZh(offsetMinutes)}`,
    en: `Per ${label.en}: ${durEn} from ${fromText}, due ${atText}${zoneEn(offsetMinutes)}`,
  };
  if (usedWorkingDays) explanation.calendar = calendar.describe();
  if (uncoveredYears) explanation.uncoveredYears = uncoveredYears;
  return { at: at.toISOString(), explanation };
}

