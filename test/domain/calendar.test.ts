import { execFileSync } from 'node:child_process';
import {
  CHINA_UTC_OFFSET_MINUTES,
  CHINESE_DAYS_COVERAGE,
  CalendarError,
  addDays,
  calendarOverridesSchema,
  createPrcCalendar,
  isValidLocalDate,
  localDate,
  parseCalendarOverrides,
  startOfLocalDay,
  weekdayOf,
} from '../../domain/calendar';
import { loadCalendarOverrides, readStructuredFile } from '../../config/files';

describe('local date helpers', () => {
  it('Beijing is UTC+8', () => {
    expect(CHINA_UTC_OFFSET_MINUTES).toBe(480);
  });

  it('localDate switches at 16:00 UTC', () => {
    expect(localDate(new Date('2026-09-30T15:59:59.999Z'))).toBe('2026-09-30');
    expect(localDate(new Date('2026-09-30T16:00:00.000Z'))).toBe('2026-10-01');
    expect(localDate(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
    expect(localDate(new Date('2026-09-30T16:00:00Z'), 0)).toBe('2026-09-30');
    expect(localDate(new Date('2026-10-01T03:00:00Z'), -300)).toBe('2026-09-30');
    expect(() => localDate(new Date('nonsense'))).toThrow(CalendarError);
  });

  it('startOfLocalDay', () => {
    expect(startOfLocalDay('2026-10-01').toISOString()).toBe('2026-09-30T16:00:00.000Z');
    expect(startOfLocalDay('2027-01-01').toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(startOfLocalDay('2026-10-01', 0).toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(() => startOfLocalDay('2026-02-29')).toThrow(CalendarError);
  });

  it('addDays across months, years and leap days', () => {
    expect(addDays('2026-09-30', 1)).toBe('2026-10-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-10-01', 0)).toBe('2026-10-01');
    expect(addDays('2026-01-01', 365)).toBe('2027-01-01');
    expect(() => addDays('2026-01-01', 1.5)).toThrow(CalendarError);
  });

  it('validates dates', () => {
    expect(isValidLocalDate('2028-02-29')).toBe(true);
    expect(isValidLocalDate('2026-02-29')).toBe(false);
    expect(isValidLocalDate('2026-13-01')).toBe(false);
    expect(isValidLocalDate('2026-1-1')).toBe(false);
    expect(isValidLocalDate('2026-10-01T00:00')).toBe(false);
    expect(weekdayOf('2026-10-10')).toBe(6);
    expect(weekdayOf('2026-09-20')).toBe(0);
  });
});

describe('PRC calendar from chinese-days', () => {
  const cal = createPrcCalendar();

  it('knows what it covers', () => {
    expect(CHINESE_DAYS_COVERAGE.firstYear).toBe(2004);
    expect(CHINESE_DAYS_COVERAGE.lastYear).toBe(2026);
    expect(CHINESE_DAYS_COVERAGE.version).toMatch(/^1\.5\.\d+$/);
    expect(cal.covers(2004)).toBe(true);
    expect(cal.covers(2026)).toBe(true);
    expect(cal.covers(2003)).toBe(false);
    expect(cal.covers(2027)).toBe(false);
    expect(cal.describe()).toMatch(/^PRC calendar \(chinese-days 1\.5\.\d+, 2004–2026\)$/);
  });

  // 2026 schedule (国办发明电, gov.cn content_7047091): 春节 2-15..2-23, 上班 2-14 (Sat), 2-28 (Sat);
  // 中秋 9-25..9-27; 国庆 10-1..10-7, 上班 9-20 (Sun), 10-10 (Sat).
  it.each([
    ['2026-02-13', true], // Fri before the Spring Festival
    ['2026-02-14', true], // Sat, make-up working day
    ['2026-02-15', false],
    ['2026-02-16', false], // Mon, Spring Festival
    ['2026-02-20', false],
    ['2026-02-23', false], // Mon, last day of the Spring Festival
    ['2026-02-24', true],
    ['2026-02-28', true], // Sat, make-up working day
    ['2026-03-01', false], // plain Sunday
    ['2026-09-19', false], // plain Saturday
    ['2026-09-20', true], // Sun, make-up working day
    ['2026-09-24', true],
    ['2026-09-25', false], // Fri, Mid-Autumn
    ['2026-09-30', true],
    ['2026-10-01', false],
    ['2026-10-07', false], // Wed, National Day
    ['2026-10-08', true],
    ['2026-10-10', true], // Sat, make-up working day
    ['2026-10-11', false],
    ['2026-01-01', false],
    ['2026-01-04', true], // Sun, make-up working day
  ])('%s working: %s', (date, working) => {
    expect(cal.isWorkingDay(date)).toBe(working);
  });

  it('beyond its data it only knows weekdays (2027-01-01 is a Friday)', () => {
    expect(cal.isWorkingDay('2027-01-01')).toBe(true);
    expect(cal.isWorkingDay('2027-01-02')).toBe(false);
  });

  it('rejects invalid dates', () => {
    expect(() => cal.isWorkingDay('2026-02-30')).toThrow(CalendarError);
    expect(() => cal.isWorkingDay('2026/10/01')).toThrow(CalendarError);
  });

  it('agrees with chinese-days isWorkday() for every day 2004–2026 (run in Asia/Shanghai)', () => {
    // chinese-days builds its table in the process's local time zone; in Asia/Shanghai it is right.
    const script = `
      const cd = require('chinese-days');
      const out = [];
      for (let t = Date.UTC(2004, 0, 1); t <= Date.UTC(2026, 11, 31); t += 864e5) {
        const u = new Date(t);
        const local = new Date(u.getUTCFullYear(), u.getUTCMonth(), u.getUTCDate());
        if (cd.isWorkday(local)) out.push(u.toISOString().slice(0, 10));
      }
      process.stdout.write(JSON.stringify(out));`;
    const theirs: string[] = JSON.parse(
      execFileSync(process.execPath, ['-e', script], {
        cwd: __dirname,
        env: { ...process.env, TZ: 'Asia/Shanghai' },
        encoding: 'utf8',
      }),
    );
    const ours: string[] = [];
    for (let d = '2004-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) if (cal.isWorkingDay(d)) ours.push(d);
    expect(ours.length).toBeGreaterThan(5000);
    expect(ours).toEqual(theirs);
  });
});

describe('override table', () => {
  it('an override year marked complete counts as covered, and its dates win', () => {
    const cal = createPrcCalendar({
      years: {
        '2027': { complete: true, holidays: ['2027-01-01'], workdays: ['2027-01-03'] },
        '2028': { complete: false, holidays: ['2028-01-03'] },
        '2026': { complete: false, holidays: ['2026-10-09'], workdays: ['2026-10-11'] },
      },
    });
    expect(cal.covers(2027)).toBe(true);
    expect(cal.covers(2028)).toBe(false);
    expect(cal.covers(2026)).toBe(true);
    expect(cal.isWorkingDay('2027-01-01')).toBe(false);
    expect(cal.isWorkingDay('2027-01-03')).toBe(true); // a Sunday
    expect(cal.isWorkingDay('2027-01-04')).toBe(true);
    expect(cal.isWorkingDay('2028-01-03')).toBe(false);
    expect(cal.isWorkingDay('2026-10-09')).toBe(false); // corrects a covered year
    expect(cal.isWorkingDay('2026-10-11')).toBe(true);
    expect(cal.isWorkingDay('2026-10-08')).toBe(true); // untouched chinese-days data
    expect(cal.describe()).toMatch(/^PRC calendar \(chinese-days 1\.5\.\d+, 2004–2026\) \+ overrides 2026 \(partial\), 2027, 2028 \(partial\)$/);
  });

  it.each([
    [{ years: { '2027': { complete: true, holidays: ['2028-01-01'] } } }, 'years.2027.holidays.0', /is not in 2027/],
    [{ years: { '2027': { complete: true, holidays: ['2027-02-30'] } } }, 'years.2027.holidays.0', /real date/],
    [
      { years: { '2027': { complete: true, holidays: ['2027-10-09'], workdays: ['2027-10-09'] } } },
      'years.2027.workdays.0',
      /both a holiday and a make-up working day/,
    ],
    [{ years: { '2027': { complete: true, holidays: ['2027-10-01', '2027-10-01'] } } }, 'years.2027.holidays.1', /twice/],
    [{ years: { '2027': { holidays: [] } } }, 'years.2027.complete', /./],
    [{ years: { '2027': { complete: true, holiday: [] } } }, 'years.2027', /holiday/],
    [{ years: { '27': { complete: true } } }, 'years.27', /four digits/],
    [{ version: 2, years: {} }, 'version', /./],
  ])('rejects %j', (input, path, message) => {
    let err: unknown;
    try {
      parseCalendarOverrides(input, 'overrides.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CalendarError);
    const text = (err as Error).message;
    expect(text).toContain('overrides.yaml');
    expect(text).toContain(`${path}:`);
    expect(text).toMatch(message);
  });

  it('empty input means no overrides', () => {
    expect(parseCalendarOverrides(null)).toEqual({ version: 1, years: {} });
    expect(calendarOverridesSchema.parse({})).toEqual({ version: 1, years: {} });
  });

  it('the shipped override file is valid and adds nothing', () => {
    const data = readStructuredFile(`${__dirname}/../../config/calendar-overrides.yaml`);
    expect(parseCalendarOverrides(data)).toEqual({ version: 1, years: {} });
    const overrides = loadCalendarOverrides();
    expect(overrides).toEqual({ version: 1, years: {} });
    expect(createPrcCalendar(overrides).covers(2027)).toBe(false);
  });
});
