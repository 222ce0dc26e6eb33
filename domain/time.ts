/**
 * The one formatter of instants for people: local time in an IANA time zone, Beijing time
 * (Asia/Shanghai, UTC+8 all year, no DST) unless a deployment configures another for its messages.
 * Pure and dependency-free (Intl only) so that workflows may use it too. Also the Beijing weeks and
 * months the dashboard counts in.
 */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `tz` is an IANA time zone this Node knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * "2026-11-26 17:30" in the time zone. Midnight is written as 24:00 of the day before, as official
 * notices do ("11月30日24时"), so an end-of-day deadline reads as the day it ends.
 */
export function formatLocalTime(iso: string | number | Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  const t = new Date(typeof iso === 'string' ? Date.parse(iso) : iso).getTime();
  if (Number.isNaN(t)) return String(iso);
  const parts = (ms: number) => Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const p = parts(t);
  if (p.hour === '00' && p.minute === '00') {
    // A minute back is still the day before, seconds or not.
    const d = parts(t - 60_000);
    return `${d.year}-${d.month}-${d.day} 24:00`;
  }
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "2026-11-26 17:30" in Beijing time (see formatLocalTime). */
export function formatBeijing(iso: string | number | Date): string {
  return formatLocalTime(iso, DEFAULT_TIME_ZONE);
}

/** With the zone said, for sentences in Chinese and in English. */
export function formatBeijingZh(iso: string | number | Date): string {
  return `${formatBeijing(iso)}（北京时间）`;
}

export function formatBeijingEn(iso: string | number | Date): string {
  return `${formatBeijing(iso)} (Beijing time, UTC+8)`;
}

// ---- Weeks and months in Beijing time (the dashboard's periods) ----
// Asia/Shanghai is UTC+8 all year (no daylight saving time since 1991), so a Beijing day, week or
// month begins at a fixed offset from UTC midnight: plain arithmetic, the same in the workflow
// bundle, the API and the browser.

const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** A period of Beijing time: [start, end) as instants, and its label (the Beijing date or month it begins). */
export interface BeijingPeriod {
  start: string;
  end: string;
  /** "2026-06-15" (a week: its Monday) or "2026-06" (a month). */
  label: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const ymd = (ms: number) => new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);

/** The instant the Beijing week (Monday 00:00 Beijing time) containing `ms` begins. */
export function beijingWeekStart(ms: number): number {
  const local = ms + BEIJING_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
  const weekday = (((day + 3) % 7) + 7) % 7;
  return (day - weekday) * DAY_MS - BEIJING_OFFSET_MS;
}

/** The instant the Beijing calendar month containing `ms` begins (the 1st, 00:00 Beijing time), `add` months on. */
export function beijingMonthStart(ms: number, add = 0): number {
  const local = new Date(ms + BEIJING_OFFSET_MS);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + add, 1) - BEIJING_OFFSET_MS;
}

/** The `n` Beijing weeks ending with the one that contains `asOf`, oldest first (Monday to Monday). */
export function beijingWeeks(asOf: number, n: number): BeijingPeriod[] {
  const last = beijingWeekStart(asOf);
  return Array.from({ length: n }, (_, i) => {
    const start = last - (n - 1 - i) * 7 * DAY_MS;
    return { start: iso(start), end: iso(start + 7 * DAY_MS), label: ymd(start) };
  });
}

/** The `n` Beijing calendar months ending with the one that contains `asOf`, oldest first. */
export function beijingMonths(asOf: number, n: number): BeijingPeriod[] {
  return Array.from({ length: n }, (_, i) => {
    const start = beijingMonthStart(asOf, i - (n - 1));
    return { start: iso(start), end: iso(beijingMonthStart(start, 1)), label: ymd(start).slice(0, 7) };
  });
}
