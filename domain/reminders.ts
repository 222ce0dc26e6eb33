/**
 * When a notice's reminders fall due. A window counted in working days is reminded on a working
 * day at the policy's time of day (Beijing time): "1 working day before" a deadline means that time
 * of the working day before the deadline's day, never 00:00 or a Saturday. Each notice's reminders
 * are moved a fixed amount into a spread window after that time (by a hash of its id), so that a
 * thousand notices issued together are not reminded in the same second. Windows in plain time
 * (critical notices) keep plain offsets before the deadline.
 *
 * Pure and workflow-safe: the work calendar comes as a small snapshot taken when the notice was
 * issued (the days that differ from Monday–Friday), so the workflow needs neither I/O nor the
 * calendar package.
 */
import type { WorkCalendar } from './calendar';

/** The days that differ from plain Monday–Friday, for a span of years. */
export interface CalendarSnapshot {
  /** Weekdays off (holidays). */
  off: string[];
  /** Weekend days on (make-up working days, 调休). */
  on: string[];
  /** The years the snapshot covers (outside them: plain Monday–Friday). */
  years: number[];
}

/** How a notice's reminders are placed (snapshotted into the notice when issued). */
export interface ReminderTiming {
  /** Per deadline: is its window counted in working days? */
  workingDays: { acknowledge: boolean; rectify: boolean };
  /** Minutes after local midnight (Beijing time), e.g. 540 = 09:00. */
  timeOfDayMinutes: number;
  /** Width of the window after that time over which notices are spread. */
  spreadMs: number;
  calendar: CalendarSnapshot;
}

const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function dateOfDayIndex(dayIndex: number): string {
  const d = new Date(dayIndex * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function dayIndexOfDate(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function plainWeekday(dayIndex: number): boolean {
  const w = new Date(dayIndex * DAY_MS).getUTCDay();
  return w >= 1 && w <= 5;
}

/** The days of `years` on which `calendar` differs from plain Monday–Friday. */
export function snapshotCalendar(calendar: WorkCalendar, years: number[]): CalendarSnapshot {
  const off: string[] = [];
  const on: string[] = [];
  for (const y of years) {
    for (let d = dayIndexOfDate(`${pad(y, 4)}-01-01`); d < dayIndexOfDate(`${pad(y + 1, 4)}-01-01`); d++) {
      const date = dateOfDayIndex(d);
      const working = calendar.isWorkingDay(date);
      if (working && !plainWeekday(d)) on.push(date);
      if (!working && plainWeekday(d)) off.push(date);
    }
  }
  return { off, on, years: [...years] };
}

function isWorkingDay(snapshot: CalendarSnapshot, dayIndex: number): boolean {
  const date = dateOfDayIndex(dayIndex);
  if (snapshot.off.includes(date)) return false;
  if (snapshot.on.includes(date)) return true;
  return plainWeekday(dayIndex);
}

/** FNV-1a, 32 bits: the same number for the same id everywhere. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** This notice's place in the spread window, whole seconds. */
export function spreadOffsetMs(noticeId: string, spreadMs: number): number {
  if (spreadMs < 1000) return 0;
  return (stableHash(noticeId) % Math.floor(spreadMs / 1000)) * 1000;
}

/**
 * When the reminder `offsetMs` before `dueMs` falls due. Working-day windows: the whole days of the
 * offset count working days back from the deadline's own day (the day it ends: a deadline at 24:00
 * belongs to the day before), landing at the time of day plus this notice's spread; an offset of
 * hours only lands on the deadline's day (or the working day before it, if that day is off). When
 * that instant is not before the deadline (a deadline early in the morning), the plain offset is used.
 */
export function reminderInstant(
  noticeId: string,
  kind: 'acknowledge' | 'rectify',
  dueMs: number,
  offsetMs: number,
  timing: ReminderTiming | undefined,
): number {
  const plain = dueMs - offsetMs;
  if (!timing || !timing.workingDays[kind]) return plain;
  // The local day the deadline ends: 24:00 is the end of the day before.
  let day = Math.floor((dueMs - 1 + CHINA_OFFSET_MS) / DAY_MS);
  const back = Math.floor(offsetMs / DAY_MS);
  let counted = 0;
  while (!isWorkingDay(timing.calendar, day)) day--;
  while (counted < back) {
    day--;
    if (isWorkingDay(timing.calendar, day)) counted++;
  }
  const at = day * DAY_MS - CHINA_OFFSET_MS + timing.timeOfDayMinutes * 60_000 + spreadOffsetMs(noticeId, timing.spreadMs);
  return at < dueMs ? at : plain;
}
