/**
 * The PRC working-day calendar (法定节假日与调休) behind our own small interface, plus pure helpers
 * for local dates at a fixed UTC offset (Asia/Shanghai is UTC+8 all year, no DST).
 *
 * Data: the holiday and make-up-day tables that ship with the `chinese-days` package
 * (dist/chinese-days.json, built from the State Council notices). We read the table rather than
 * call the package's `isWorkday()`: that function builds its table at load time by parsing
 * "YYYY-M-D" as UTC and formatting it in the process's local time zone, so on a machine west of
 * UTC every holiday shifts by one day. Here everything is plain date-string arithmetic, the same
 * in every time zone, and safe inside Temporal workflows (no I/O, no clock).
 *
 * For years the package does not cover, it (and this calendar) can only fall back to Monday–Friday,
 * which is wrong around holidays: `covers(year)` says so honestly, and an override table (see
 * config/calendar-overrides.yaml) can add a year's schedule without a release.
 */
import { z } from 'zod';
import chineseDaysData from 'chinese-days/dist/chinese-days.json';
import chineseDaysPackage from 'chinese-days/package.json';

export interface WorkCalendar {
  /** date: YYYY-MM-DD, a local date. */
  isWorkingDay(date: string): boolean;
  /** Do we really know this year's holidays and make-up working days (调休)? */
  covers(year: number): boolean;
  /** e.g. "PRC calendar (chinese-days 1.5.7, 2004–2026) + overrides 2027" */
  describe(): string;
}

export class CalendarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarError';
  }
}

/** Asia/Shanghai: UTC+8, no daylight saving time since 1991. */
export const CHINA_UTC_OFFSET_MINUTES = 480;

export const DEFAULT_CALENDAR_OVERRIDES_PATH = 'config/calendar-overrides.yaml';

// ---------------------------------------------------------------------------------------------
// Local dates

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

function dateParts(date: string): [number, number, number] | null {
  const m = DATE_RE.exec(date);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // unlike Date.UTC, keeps years 0–99 as written
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return [y, mo, d];
}

/** Is this a real calendar date written as YYYY-MM-DD? */
export function isValidLocalDate(date: string): boolean {
  return typeof date === 'string' && dateParts(date) !== null;
}

function mustParse(date: string): [number, number, number] {
  const p = dateParts(date);
  if (!p) throw new CalendarError(`无效日期“${date}”，应为 YYYY-MM-DD / Invalid date "${date}", expected YYYY-MM-DD`);
  return p;
}

/** Midnight UTC of the date, as epoch milliseconds (a convenient day index). */
function utcMidnight(date: string): number {
  const [y, m, d] = mustParse(date);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getTime();
}

function formatUtcDate(ms: number): string {
  const t = new Date(ms);
  const y = t.getUTCFullYear();
  if (y < 0 || y > 9999) throw new CalendarError(`日期超出范围 / Date out of range: year ${y}`);
  return `${String(y).padStart(4, '0')}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

/** The local date (YYYY-MM-DD) of an instant at a fixed UTC offset (default: Beijing time). */
export function localDate(instant: Date, offsetMinutes: number = CHINA_UTC_OFFSET_MINUTES): string {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new CalendarError('无效时间 / Invalid instant');
  return formatUtcDate(t + offsetMinutes * 60_000);
}

/** The instant a local date begins (00:00 local) at a fixed UTC offset (default: Beijing time). */
export function startOfLocalDay(date: string, offsetMinutes: number = CHINA_UTC_OFFSET_MINUTES): Date {
  return new Date(utcMidnight(date) - offsetMinutes * 60_000);
}

/** The date n days later (n may be negative). */
export function addDays(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new CalendarError(`天数必须是整数 / The number of days must be an integer, got ${n}`);
  return formatUtcDate(utcMidnight(date) + n * MS_PER_DAY);
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekdayOf(date: string): number {
  return new Date(utcMidnight(date)).getUTCDay();
}

/** Monday to Friday, ignoring holidays. */
export function isPlainWeekday(date: string): boolean {
  const w = weekdayOf(date);
  return w >= 1 && w <= 5;
}

export function yearOf(date: string): number {
  return mustParse(date)[0];
}

// ---------------------------------------------------------------------------------------------
// chinese-days data

interface ChineseDaysTable {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const TABLE: ChineseDaysTable = {
  holidays: (chineseDaysData as ChineseDaysTable).holidays ?? {},
  workdays: (chineseDaysData as ChineseDaysTable).workdays ?? {},
};

const CHINESE_DAYS_YEARS: ReadonlySet<number> = new Set(
  [...Object.keys(TABLE.holidays), ...Object.keys(TABLE.workdays)].map((d) => Number(d.slice(0, 4))),
);

/** What the installed chinese-days package knows: its version and the first and last year in its table. */
export const CHINESE_DAYS_COVERAGE: { version: string; firstYear: number; lastYear: number } = {
  version: (chineseDaysPackage as { version?: string }).version ?? 'unknown',
  firstYear: Math.min(...CHINESE_DAYS_YEARS),
  lastYear: Math.max(...CHINESE_DAYS_YEARS),
};

// ---------------------------------------------------------------------------------------------
// Override table

const localDateSchema = z.string().refine(isValidLocalDate, {
  message: '应为真实存在的日期 YYYY-MM-DD / Expected a real date as YYYY-MM-DD',
});

const yearOverrideSchema = z.strictObject({
  /** true: this entry is the State Council's whole schedule for the year, so the year counts as covered. */
  complete: z.boolean(),
  /** Days off (法定节假日及调休休息日) that would otherwise be working days, or that the package lacks. */
  holidays: z.array(localDateSchema).default([]),
  /** Make-up working days (调休上班), usually a Saturday or Sunday. */
  workdays: z.array(localDateSchema).default([]),
  note: z.string().optional(),
  /** Where the schedule comes from, e.g. the gov.cn address of the notice. */
  source: z.string().optional(),
});

export const calendarOverridesSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    years: z.record(z.string(), yearOverrideSchema).default({}),
  })
  .superRefine((value, ctx) => {
    for (const [year, entry] of Object.entries(value.years)) {
      if (!/^\d{4}$/.test(year)) {
        ctx.addIssue({ code: 'custom', path: ['years', year], message: `年份“${year}”应为四位数字 / The year "${year}" must be four digits` });
        continue;
      }
      const seen = new Map<string, string>();
      for (const kind of ['holidays', 'workdays'] as const) {
        entry[kind].forEach((date, i) => {
          if (!isValidLocalDate(date)) return; // reported by localDateSchema
          if (!date.startsWith(`${year}-`)) {
            ctx.addIssue({
              code: 'custom',
              path: ['years', year, kind, i],
              message: `${date} 不在 ${year} 年内 / ${date} is not in ${year}`,
            });
          }
          const other = seen.get(date);
          if (other === kind) {
            ctx.addIssue({ code: 'custom', path: ['years', year, kind, i], message: `${date} 重复 / ${date} is listed twice` });
          } else if (other) {
            ctx.addIssue({
              code: 'custom',
              path: ['years', year, kind, i],
              message: `${date} 不能既是节假日又是调休上班日 / ${date} cannot be both a holiday and a make-up working day`,
            });
          }
          seen.set(date, kind);
        });
      }
    }
  });

export type CalendarOverrides = z.output<typeof calendarOverridesSchema>;
export type CalendarOverridesInput = z.input<typeof calendarOverridesSchema>;

export const EMPTY_CALENDAR_OVERRIDES: CalendarOverrides = { version: 1, years: {} };

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}

/** Validate parsed YAML/JSON (null or undefined, e.g. an empty file, means no overrides). */
export function parseCalendarOverrides(data: unknown, source?: string): CalendarOverrides {
  const result = calendarOverridesSchema.safeParse(data ?? {});
  if (!result.success) {
    const where = source ? ` (${source})` : '';
    throw new CalendarError(`节假日覆盖表无效 / Invalid calendar overrides${where}:\n${formatIssues(result.error)}`);
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// The calendar

export function createPrcCalendar(overrides?: CalendarOverrides | CalendarOverridesInput): WorkCalendar {
  const table = parseCalendarOverrides(overrides ?? EMPTY_CALENDAR_OVERRIDES);
  const offDays = new Set<string>();
  const onDays = new Set<string>();
  const completeYears = new Set<number>();
  const partialYears = new Set<number>();
  for (const [year, entry] of Object.entries(table.years)) {
    entry.holidays.forEach((d) => offDays.add(d));
    entry.workdays.forEach((d) => onDays.add(d));
    (entry.complete ? completeYears : partialYears).add(Number(year));
  }

  const covers = (year: number): boolean => CHINESE_DAYS_YEARS.has(year) || completeYears.has(year);

  const description = (() => {
    const { version, firstYear, lastYear } = CHINESE_DAYS_COVERAGE;
    let s = `PRC calendar (chinese-days ${version}, ${firstYear}–${lastYear})`;
    const years = [...completeYears, ...partialYears].sort((a, b) => a - b);
    if (years.length) {
      s += ` + overrides ${years.map((y) => (completeYears.has(y) ? String(y) : `${y} (partial)`)).join(', ')}`;
    }
    return s;
  })();

  return {
    isWorkingDay(date: string): boolean {
      mustParse(date);
      if (offDays.has(date)) return false;
      if (onDays.has(date)) return true;
      if (TABLE.workdays[date]) return true;
      if (TABLE.holidays[date]) return false;
      return isPlainWeekday(date);
    },
    covers,
    describe: () => description,
  };
}
