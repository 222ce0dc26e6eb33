/**
 * Keeping the work calendar without a deploy (issue 12): the office enters a year's holidays and
 * make-up working days; which years are covered and from where; the yearly warning from 1 November
 * until next year is covered; and recomputing a deadline that was counted over a year the calendar
 * did not cover. Pure: `now` and the calendar are passed in.
 */
import { z } from 'zod';
import {
  CHINESE_DAYS_COVERAGE,
  createPrcCalendar,
  isPlainWeekday,
  isValidLocalDate,
  type CalendarOverrides,
  type WorkCalendar,
} from './calendar';
import { computeDeadline, type Deadline } from './deadlines';
import { formatBeijingEn, formatBeijingZh } from './time';
import { lineText } from './text';

const day = z.strictObject({
  date: z.string().refine(isValidLocalDate, { message: '应为真实存在的日期 YYYY-MM-DD / Expected a real date as YYYY-MM-DD' }),
  // The one text rule (domain/text.ts): a control character or a lone surrogate is a 400 naming it.
  name: lineText({ max: 100 }),
});

/** The body of PUT /api/calendar/years/:year. */
export const calendarYearBody = z.strictObject({
  holidays: z.array(day).min(1).max(60),
  workdays: z.array(day).max(30).default([]),
});
export type CalendarYearInput = z.output<typeof calendarYearBody>;

export interface EnteredYear {
  year: number;
  holidays: Array<{ date: string; name: string }>;
  workdays: Array<{ date: string; name: string }>;
  enteredBy: string;
  enteredAt: string;
}

/** The rules a year's schedule must meet; each problem with where it is. Empty: valid. */
export function checkCalendarYear(year: number, input: CalendarYearInput): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const seen = new Map<string, string>();
  for (const kind of ['holidays', 'workdays'] as const) {
    input[kind].forEach((d, i) => {
      const path = `${kind}.${i}`;
      if (!d.date.startsWith(`${year}-`)) problems.push({ path, message: `${d.date} 不在 ${year} 年内 / ${d.date} is not in ${year}` });
      if (kind === 'workdays' && isPlainWeekday(d.date)) {
        problems.push({ path, message: `调休上班日 ${d.date} 应为周六或周日 / The make-up working day ${d.date} must be a Saturday or Sunday` });
      }
      const other = seen.get(d.date);
      if (other === kind) problems.push({ path, message: `${d.date} 重复 / ${d.date} is listed twice` });
      else if (other) problems.push({ path, message: `${d.date} 不能既是节假日又是调休上班日 / ${d.date} cannot be both a holiday and a make-up working day` });
      seen.set(d.date, kind);
    });
  }
  return problems;
}

/** The override table entry of an entered year (complete: it is that year's whole schedule). */
export function enteredAsOverrides(file: CalendarOverrides, entered: EnteredYear[]): CalendarOverrides {
  const years = { ...file.years };
  for (const y of entered) {
    years[String(y.year)] = {
      complete: true,
      holidays: y.holidays.map((d) => d.date),
      workdays: y.workdays.map((d) => d.date),
      note: `entered by ${y.enteredBy} at ${y.enteredAt}`,
    };
  }
  return { version: 1, years };
}

/** The calendar from the package, the file, and the years entered (which win for their year). */
export function buildCalendar(file: CalendarOverrides, entered: EnteredYear[]): WorkCalendar {
  return createPrcCalendar(enteredAsOverrides(file, entered));
}

export type YearSource =
  | { year: number; source: 'package'; detail: string }
  | { year: number; source: 'file'; detail: string }
  | { year: number; source: 'entered'; enteredBy: string; enteredAt: string; holidays: number; workdays: number };

/** Every covered year and where its schedule comes from (an entered year wins, then the file, then the package). */
export function calendarCoverage(file: CalendarOverrides, entered: EnteredYear[], fileName: string): YearSource[] {
  const out = new Map<number, YearSource>();
  for (let y = CHINESE_DAYS_COVERAGE.firstYear; y <= CHINESE_DAYS_COVERAGE.lastYear; y++) {
    out.set(y, { year: y, source: 'package', detail: `chinese-days ${CHINESE_DAYS_COVERAGE.version}` });
  }
  for (const [y, entry] of Object.entries(file.years)) {
    if (entry.complete) out.set(Number(y), { year: Number(y), source: 'file', detail: fileName });
  }
  for (const e of entered) {
    out.set(e.year, { year: e.year, source: 'entered', enteredBy: e.enteredBy, enteredAt: e.enteredAt, holidays: e.holidays.length, workdays: e.workdays.length });
  }
  return [...out.values()].sort((a, b) => a.year - b.year);
}

export interface CalendarWarning {
  year: number;
  zh: string;
  en: string;
}

/** From 1 November (Beijing time) until next year is covered: a warning for the office. */
export function calendarWarning(now: Date, calendar: WorkCalendar): CalendarWarning | null {
  const local = new Date(now.getTime() + 8 * 3600_000);
  const year = local.getUTCFullYear();
  const next = year + 1;
  if (local.getUTCMonth() < 10 || calendar.covers(next)) return null;
  return {
    year: next,
    zh: `${next}年的法定节假日和调休安排尚未录入：跨入${next}年的工作日期限将按周一至周五计算。国务院办公厅发布通知后，请在“日历维护”中录入（PUT /api/calendar/years/${next}），并重新计算受影响通知的期限。`,
    en: `The ${next} holiday schedule has not been entered: working-day deadlines reaching into ${next} count plain Monday–Friday. Once the State Council publishes it, enter it (PUT /api/calendar/years/${next}) and recompute the affected notices' deadlines.`,
  };
}

/** The office's inbox message of the warning. */
export function calendarWarningMessage(w: CalendarWarning, locale: string, link: string): { subject: string; body: string } {
  return locale === 'en'
    ? { subject: `[Cybersecurity] The ${w.year} holiday schedule is missing`, body: `${w.en}\nOpen: ${link}` }
    : { subject: `【网络安全】${w.year}年节假日安排尚未录入`, body: `${w.zh}\n查看与办理：${link}` };
}

/**
 * A policy deadline counted in working days over a year the calendar did not cover, counted again
 * from the same start with the calendar as it is now. Null when there is nothing to recompute (not
 * such a deadline, or the years are still not covered).
 */
export function recomputedDeadline(d: Deadline, calendar: WorkCalendar, now: Date): Deadline | null {
  const e = d.explanation;
  if (!e.uncoveredYears?.length || !e.within || !e.workingDays) return null;
  if (!e.uncoveredYears.some((y) => calendar.covers(y))) return null;
  const label = /^按(.+?)，自/.exec(e.zh)?.[1] ?? '策略';
  const labelEn = /^Per (.+?):/.exec(e.en)?.[1] ?? 'policy';
  const again = computeDeadline({ from: new Date(e.from), within: e.within, workingDays: true, calendar, label: { zh: label, en: labelEn } });
  return {
    at: again.at,
    explanation: {
      ...again.explanation,
      basis: 'recomputed',
      zh: `${again.explanation.zh}（${formatBeijingZh(now)}按更新后的日历重新计算，原截止于${formatBeijingZh(d.at)}）`,
      en: `${again.explanation.en} (recomputed with the updated calendar at ${formatBeijingEn(now)}; was due ${formatBeijingEn(d.at)})`,
    },
  };
}

/**
 * The calendar the API and the worker use: the package and the file, plus the years entered in the
 * database, swapped in when they change, so a year entered applies to deadlines computed from then on.
 */
export interface LiveCalendar extends WorkCalendar {
  setEntered(entered: EnteredYear[]): void;
  entered(): EnteredYear[];
  coverage(): YearSource[];
  /** Changes whenever the entered years do (to notice a change made by another process). */
  stamp(): string;
}

export function createLiveCalendar(file: CalendarOverrides, fileName: string, entered: EnteredYear[] = []): LiveCalendar {
  let current = buildCalendar(file, entered);
  let years = entered;
  const stampOf = (e: EnteredYear[]) => e.map((y) => `${y.year}@${y.enteredAt}`).sort().join(',');
  return {
    isWorkingDay: (date) => current.isWorkingDay(date),
    covers: (year) => current.covers(year),
    describe: () => current.describe(),
    setEntered(next) {
      years = next;
      current = buildCalendar(file, next);
    },
    entered: () => years,
    coverage: () => calendarCoverage(file, years, fileName),
    stamp: () => stampOf(years),
  };
}
