/**
 * ISO-8601 durations as used in the policy file (PT4H, P5D, P2W, PT0.5S...).
 *
 * Only units with a fixed meaning are accepted: weeks, days, hours, minutes, seconds. Years and
 * months are rejected because their length depends on the calendar ("P1M" from 31 January?).
 * Days are kept apart from the time part because a deadline may count them as working days.
 * Pure: no I/O, no clock, safe inside Temporal workflows.
 */
import { z } from 'zod';

export interface Duration {
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
  /** The string as written. */
  iso: string;
}

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/** Date part: [nY][nM][nW][nD]; time part: T[nH][nM][n(.n)S]. Y and M are captured only to reject them clearly. */
const PATTERN =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

function fail(s: string, zh: string, en: string): never {
  throw new DurationError(`无效的ISO-8601时长“${s}”：${zh} / Invalid ISO-8601 duration "${s}": ${en}`);
}

function toNumber(s: string, part: string | undefined, unit: string): number {
  if (part === undefined) return 0;
  const n = Number(part.replace(',', '.'));
  if (!Number.isFinite(n) || n > Number.MAX_SAFE_INTEGER) fail(s, `${unit}数值过大`, `the ${unit} value is too large`);
  return n;
}

export function parseDuration(s: string): Duration {
  if (typeof s !== 'string') {
    throw new DurationError(`时长必须是字符串 / A duration must be a string, got ${typeof s}`);
  }
  if (s.length === 0) fail(s, '为空', 'it is empty');
  if (s.startsWith('-') || s.startsWith('+')) fail(s, '不允许负数或带符号的时长', 'negative or signed durations are not allowed');
  if (!s.startsWith('P')) fail(s, '必须以“P”开头（例如 PT4H、P5D）', 'it must start with "P" (e.g. PT4H, P5D)');
  const m = PATTERN.exec(s);
  if (!m) {
    if (/-/.test(s)) fail(s, '不允许负数', 'negative values are not allowed');
    fail(
      s,
      '格式不正确（例如 PT4H、P5D、P2W、P1DT12H、PT0.5S；只有秒可以带小数）',
      'malformed (examples: PT4H, P5D, P2W, P1DT12H, PT0.5S; only seconds may have a fraction)',
    );
  }
  const [, years, months, weeks, days, hours, minutes, seconds] = m;
  if (years !== undefined || months !== undefined) {
    fail(
      s,
      '不支持年（Y）和月（M）：其长度随日历而变，请改用天（D）或周（W）',
      'years (Y) and months (M) are not supported because their length depends on the calendar; use days (D) or weeks (W)',
    );
  }
  if (s.endsWith('T')) fail(s, '“T”之后缺少时、分或秒', '"T" must be followed by hours, minutes or seconds');
  if (weeks === undefined && days === undefined && hours === undefined && minutes === undefined && seconds === undefined) {
    fail(s, '至少需要一个数值部分', 'it needs at least one component');
  }
  const d: Duration = {
    days: toNumber(s, weeks, 'weeks') * 7 + toNumber(s, days, 'days'),
    hours: toNumber(s, hours, 'hours'),
    minutes: toNumber(s, minutes, 'minutes'),
    seconds: toNumber(s, seconds, 'seconds'),
    iso: s,
  };
  if (!Number.isSafeInteger(durationMs(d))) fail(s, '时长过长', 'the duration is too long');
  return d;
}

/** Milliseconds, counting each day as 24 hours. */
export function durationMs(d: Duration): number {
  return Math.round(d.days * MS_PER_DAY + d.hours * MS_PER_HOUR + d.minutes * MS_PER_MINUTE + d.seconds * MS_PER_SECOND);
}

/** Milliseconds of the time part only (hours, minutes, seconds), without the days. */
export function timePartMs(d: Duration): number {
  return Math.round(d.hours * MS_PER_HOUR + d.minutes * MS_PER_MINUTE + d.seconds * MS_PER_SECOND);
}

export interface FormatOptions {
  /** Say "working days" (工作日) for the days part. */
  workingDays?: boolean;
}

/** "3天2小时", "5个工作日", "30分钟", "0.5秒"; zero is "0秒". */
export function formatDurationZh(d: Duration, opts: FormatOptions = {}): string {
  const parts: string[] = [];
  if (d.days) parts.push(opts.workingDays ? `${d.days}个工作日` : `${d.days}天`);
  if (d.hours) parts.push(`${d.hours}小时`);
  if (d.minutes) parts.push(`${d.minutes}分钟`);
  if (d.seconds) parts.push(`${d.seconds}秒`);
  return parts.length ? parts.join('') : '0秒';
}

function unitEn(n: number, singular: string): string {
  return `${n} ${singular}${n === 1 ? '' : 's'}`;
}

/** "3 days 2 hours", "5 working days", "1 minute", "0.5 seconds"; zero is "0 seconds". */
export function formatDurationEn(d: Duration, opts: FormatOptions = {}): string {
  const parts: string[] = [];
  if (d.days) parts.push(unitEn(d.days, opts.workingDays ? 'working day' : 'day'));
  if (d.hours) parts.push(unitEn(d.hours, 'hour'));
  if (d.minutes) parts.push(unitEn(d.minutes, 'minute'));
  if (d.seconds) parts.push(unitEn(d.seconds, 'second'));
  return parts.length ? parts.join(' ') : '0 seconds';
}

/** A string that must be a valid ISO-8601 duration (as accepted by parseDuration); the output stays the string. */
export const isoDuration = z.string().superRefine((s, ctx) => {
  try {
    parseDuration(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
  }
});

/** Like isoDuration, and longer than zero. */
export const positiveIsoDuration = isoDuration.superRefine((s, ctx) => {
  let ms: number;
  try {
    ms = durationMs(parseDuration(s));
  } catch {
    return; // already reported by isoDuration
  }
  if (ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `时长“${s}”必须大于零 / The duration "${s}" must be longer than zero` });
  }
});
