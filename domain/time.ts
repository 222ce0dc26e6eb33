/**
 * The one formatter of instants for people: local time in an IANA time zone, Beijing time
 * (Asia/Shanghai, UTC+8 all year, no DST) unless a deployment configures another for its messages.
 * Pure and dependency-free (Intl only) so that workflows may use it too.
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
