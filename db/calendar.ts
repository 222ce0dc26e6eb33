/**
 * The calendar years the office entered (calendar_years), and keeping a process's live calendar in
 * step with them: the API reloads at once after a change, every process checks now and then for
 * changes made elsewhere.
 */
import type { Db, Queryable } from './client';
import { appendAudit } from './audit';
import { iso } from './rows';
import type { CalendarYearInput, EnteredYear, LiveCalendar } from '../domain/calendar-upkeep';

export async function getEnteredYears(db: Queryable): Promise<EnteredYear[]> {
  const rows = await db.query<{ year: number; holidays: unknown; workdays: unknown; entered_by: string; entered_at: unknown }>(
    'SELECT year, holidays, workdays, entered_by, entered_at FROM calendar_years ORDER BY year',
  );
  const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
  return rows.rows.map((r) => ({
    year: Number(r.year),
    holidays: json(r.holidays),
    workdays: json(r.workdays),
    enteredBy: r.entered_by,
    enteredAt: iso(r.entered_at),
  }));
}

/** Stores a year (replacing what was entered for it), with its audit entry, in one transaction. */
export async function putEnteredYear(db: Db, year: number, input: CalendarYearInput, by: string, requestId?: string): Promise<{ replaced: boolean }> {
  return db.tx(async (q) => {
    const before = await q.query('SELECT 1 FROM calendar_years WHERE year = $1', [year]);
    await q.query(
      `INSERT INTO calendar_years (year, holidays, workdays, entered_by, entered_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (year) DO UPDATE SET holidays = EXCLUDED.holidays, workdays = EXCLUDED.workdays,
         entered_by = EXCLUDED.entered_by, entered_at = EXCLUDED.entered_at`,
      [year, JSON.stringify(input.holidays), JSON.stringify(input.workdays), by],
    );
    await appendAudit(q, {
      actorId: by,
      action: 'calendar.year_entered',
      targetType: 'calendar_year',
      targetId: String(year),
      requestId: requestId ?? null,
      details: { year, holidays: input.holidays.length, workdays: input.workdays.length, replaced: before.rows.length > 0 },
    });
    return { replaced: before.rows.length > 0 };
  });
}

/** Loads the entered years into the live calendar when they changed; returns whether they did. */
export async function refreshCalendar(db: Queryable, calendar: LiveCalendar): Promise<boolean> {
  const entered = await getEnteredYears(db);
  const stamp = entered.map((y) => `${y.year}@${y.enteredAt}`).sort().join(',');
  if (stamp === calendar.stamp()) return false;
  calendar.setEntered(entered);
  return true;
}

/** Checks for years entered by another process every `everyMs`; stop() ends it. */
export function watchCalendar(db: Db, calendar: LiveCalendar, everyMs = 60_000, onError: (err: unknown) => void = () => undefined): { stop(): void } {
  const t = setInterval(() => void refreshCalendar(db, calendar).catch(onError), everyMs);
  t.unref();
  return { stop: () => clearInterval(t) };
}
