/**
 * The yearly calendar warning in the office's inbox (issue 12): from 1 November until next year's
 * holidays are entered, once per year, through the one outbox.
 */
import type { Db } from '../db/client';
import { getPeople, getUniversityRoleHolders } from '../db/org';
import { calendarWarning, calendarWarningMessage, type LiveCalendar } from '../domain/calendar-upkeep';
import { enqueueNotifications } from './outbox';

/**
 * From 1 November until next year is covered: a message in the office's inbox, once per year (the
 * key makes a repeat write nothing). Returns the year warned about, or null.
 */
export async function warnOfficeOfCalendar(db: Db, calendar: LiveCalendar, publicUrl: string, now: Date = new Date()): Promise<number | null> {
  const w = calendarWarning(now, calendar);
  if (!w) return null;
  const office = await getPeople(db, await getUniversityRoleHolders(db, 'office', now));
  const link = `${publicUrl.replace(/\/$/, '')}/calendar`;
  await enqueueNotifications(db, {
    key: `calendar-uncovered:${w.year}`,
    kind: 'calendar_uncovered',
    category: 'decision_needed',
    ref: null,
    unitId: null,
    link,
    recipients: office,
    render: (locale) => calendarWarningMessage(w, locale, link),
    eventAt: now,
  });
  return w.year;
}
