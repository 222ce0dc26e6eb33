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

export interface LocalTimeOptions {
  /**
   * Seconds (and milliseconds) too when the instant has any: the instant a deadline is counted from,
   * which the explanation gives as it was.
   */
  precise?: boolean;
  /**
   * How local midnight reads: "24:00" of the day before (the default: a deadline at the end of a
   * day reads as the day it ends), or "00:00" of the new day (the instant a count starts from).
   */
  midnight?: '24:00' | '00:00';
}

interface Fields {
  date: string;
  hour: string;
  minute: string;
  second: number;
  milli: number;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The local calendar fields of `t` in an IANA zone, or at a fixed offset from UTC in minutes. */
function fieldsAt(t: number, zone: string | number): Fields {
  const utc = new Date(t);
  // Zones are whole minutes from UTC: seconds and milliseconds are the same everywhere.
  const second = utc.getUTCSeconds();
  const milli = utc.getUTCMilliseconds();
  if (typeof zone === 'number') {
    const d = new Date(t + zone * 60_000);
    const date = `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    return { date, hour: pad2(d.getUTCHours()), minute: pad2(d.getUTCMinutes()), second, milli };
  }
  const p = Object.fromEntries(formatter(zone).formatToParts(utc).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, hour: p.hour, minute: p.minute, second, milli };
}

/**
 * "2026-11-26 17:30" in the zone — an IANA time zone, or (for the deadlines, which count days at
 * one) a fixed offset from UTC in minutes. Midnight is written as 24:00 of the day before, as
 * official notices do ("11月30日24时"), so an end-of-day deadline reads as the day it ends — unless
 * `midnight: '00:00'`, or the text shows seconds past it (`precise`).
 */
export function formatLocalTime(iso: string | number | Date, zone: string | number = DEFAULT_TIME_ZONE, opts: LocalTimeOptions = {}): string {
  const t = new Date(typeof iso === 'string' ? Date.parse(iso) : iso).getTime();
  if (Number.isNaN(t)) return String(iso);
  const f = fieldsAt(t, zone);
  const past = opts.precise && (f.second || f.milli) ? `:${pad2(f.second)}${f.milli ? `.${String(f.milli).padStart(3, '0')}` : ''}` : '';
  if (!past && f.hour === '00' && f.minute === '00' && (opts.midnight ?? '24:00') === '24:00') {
    // A minute back is still the day before, seconds or not.
    return `${fieldsAt(t - 60_000, zone).date} 24:00`;
  }
  return `${f.date} ${f.hour}:${f.minute}${past}`;
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
