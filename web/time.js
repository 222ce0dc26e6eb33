// Times for people in China: Beijing time (UTC+8 all year, no daylight saving), whatever the
// browser's own time zone. Same convention as domain/time.ts: midnight is written as 24:00 of the
// day before ("2026-11-30 24:00"), as official notices do, so an end-of-day deadline reads as the
// day it ends.

const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86400000;

/** "2026-11-26 17:30" in Beijing time; "" for a missing or invalid instant. */
export function formatBeijing(iso) {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso ?? '');
  if (Number.isNaN(ms)) return '';
  const t = ms + CHINA_OFFSET_MS;
  const local = new Date(t).toISOString();
  if (local.slice(11, 16) === '00:00') return `${new Date(t - DAY_MS).toISOString().slice(0, 10)} 24:00`;
  return local.slice(0, 16).replace('T', ' ');
}

/**
 * An instant from a Beijing date ("2026-11-30") and an optional time ("17:30"). A date alone means
 * the end of that day (24:00). Returns an ISO string, or undefined when no date is given, or null
 * when the input is not a valid date.
 */
export function beijingToIso(date, time) {
  if (!date) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || (time && !/^\d{2}:\d{2}$/.test(time))) return null;
  const ms = time ? Date.parse(`${date}T${time}:00+08:00`) : Date.parse(`${date}T00:00:00+08:00`) + DAY_MS;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Today's date in Beijing, "YYYY-MM-DD" (for the `min` of date inputs). */
export function beijingToday() {
  return new Date(Date.now() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}
