import { createPrcCalendar, type WorkCalendar } from '../../domain/calendar';
import { dueBecause, explicitDeadline } from '../../domain/explicit-deadline';
import { DeadlineError, computeDeadline, nthWorkingDayAfter } from '../../domain/deadlines';
import { formatLocalTime } from '../../domain/time';
import { DurationError } from '../../domain/duration';

const cal = createPrcCalendar();
const bj = (local: string) => new Date(`${local}+08:00`);
const due = (from: string, within: string, calendar: WorkCalendar = cal, workingDays = true) =>
  computeDeadline({ from: bj(from), within, workingDays, calendar });

describe('plain time', () => {
  it('adds the duration to the instant', () => {
    const d = due('2026-09-30T16:00:00', 'P3D', cal, false);
    expect(d.at).toBe('2026-10-03T08:00:00.000Z');
    expect(d.explanation).toEqual({
      basis: 'policy',
      from: '2026-09-30T08:00:00.000Z',
      within: 'P3D',
      workingDays: false,
      warnings: [],
      zh: '按策略，自2026-09-30 16:00起3天，截止于2026-10-03 16:00（北京时间）',
      en: 'Per policy: 3 days from 2026-09-30 16:00, due 2026-10-03 16:00 (Beijing time)',
    });
  });

  it('ignores holidays and year coverage', () => {
    const d = due('2026-12-31T22:00:00', 'PT4H30M', cal, false);
    expect(d.at).toBe('2026-12-31T18:30:00.000Z'); // 2027-01-01 02:30 Beijing time
    expect(d.explanation.warnings).toEqual([]);
  });

  it('keeps fractional seconds', () => {
    expect(due('2026-09-30T16:00:00', 'PT0.5S', cal, false).at).toBe('2026-09-30T08:00:00.500Z');
  });
});

describe('working days (2026 PRC schedule)', () => {
  it('National Day: issued the afternoon before, 5 working days skip 10-01..10-07 and count Saturday 10-10', () => {
    // 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat make-up (3), 10-12 Mon (4), 10-13 Tue (5)
    const d = computeDeadline({
      from: bj('2026-09-30T16:00:00'),
      within: 'P5D',
      workingDays: true,
      calendar: cal,
      label: { zh: '策略（高危·整改）', en: 'policy (high, rectification)' },
    });
    expect(d.at).toBe('2026-10-13T16:00:00.000Z');
    expect(d.explanation).toEqual({
      basis: 'policy',
      from: '2026-09-30T08:00:00.000Z',
      within: 'P5D',
      workingDays: true,
      calendar: cal.describe(),
      warnings: [],
      zh: '按策略（高危·整改），自2026-09-30 16:00起5个工作日，截止于2026-10-13 24:00（北京时间）',
      en: 'Per policy (high, rectification): 5 working days from 2026-09-30 16:00, due 2026-10-13 24:00 (Beijing time)',
    });
  });

  it('National Day: 1 working day from 09-30 is the end of 10-08', () => {
    expect(due('2026-09-30T23:59:59', 'P1D').at).toBe('2026-10-08T16:00:00.000Z');
  });

  it('a make-up Saturday during National Day week counts: 3 working days from 10-07 end on 10-10', () => {
    // 10-08 (1), 10-09 (2), 10-10 Sat make-up (3)
    expect(due('2026-10-07T10:00:00', 'P3D').at).toBe('2026-10-10T16:00:00.000Z');
  });

  it('a make-up Sunday counts: 09-20 before National Day', () => {
    // issued Fri 09-18: Sat 09-19 off, Sun 09-20 make-up (1), Mon 09-21 (2)
    expect(due('2026-09-18T10:00:00', 'P1D').at).toBe('2026-09-20T16:00:00.000Z');
    expect(due('2026-09-18T10:00:00', 'P2D').at).toBe('2026-09-21T16:00:00.000Z');
  });

  it('Mid-Autumn (Fri 09-25) and its weekend are skipped', () => {
    expect(due('2026-09-24T09:00:00', 'P1D').at).toBe('2026-09-28T16:00:00.000Z');
  });

  it('Spring Festival: Sat 02-14 is a working day, 02-15..02-23 are not, Sat 02-28 is', () => {
    expect(due('2026-02-13T09:00:00', 'P1D').at).toBe('2026-02-14T16:00:00.000Z');
    expect(due('2026-02-13T09:00:00', 'P2D').at).toBe('2026-02-24T16:00:00.000Z');
    expect(due('2026-02-27T09:00:00', 'P1D').at).toBe('2026-02-28T16:00:00.000Z');
    // 02-24 Tue .. 02-27 Fri (4), 02-28 Sat (5), 03-02 Mon (6)
    expect(due('2026-02-23T12:00:00', 'P6D').at).toBe('2026-03-02T16:00:00.000Z');
  });

  it('counting starts the local day after `from` (Beijing time, not UTC)', () => {
    // Mon 2026-09-14 23:59:59 local → counting starts Tue
    expect(due('2026-09-14T23:59:59', 'P1D').at).toBe('2026-09-15T16:00:00.000Z');
    // Tue 2026-09-15 00:00 local (still Monday in UTC) → counting starts Wed
    expect(computeDeadline({ from: new Date('2026-09-14T16:00:00Z'), within: 'P1D', workingDays: true, calendar: cal }).at).toBe(
      '2026-09-16T16:00:00.000Z',
    );
  });

  it('issued on a holiday: the holiday itself never counts', () => {
    expect(due('2026-10-01T10:00:00', 'P1D').at).toBe('2026-10-08T16:00:00.000Z');
  });

  it('the hours part is added as plain time after the last working day', () => {
    const d = due('2026-09-14T10:00:00', 'P1DT4H');
    expect(d.at).toBe('2026-09-15T20:00:00.000Z');
    expect(d.explanation.zh).toBe('按策略，自2026-09-14 10:00起1个工作日4小时，截止于2026-09-16 04:00（北京时间）');
  });

  it('weeks are 7 working days', () => {
    // from Mon 09-14: 09-15..09-18 (4), 09-20 Sun make-up (5), 09-21, 09-22 (7)
    expect(due('2026-09-14T10:00:00', 'P1W').at).toBe('2026-09-22T16:00:00.000Z');
  });

  it('a window with no whole days is plain time, and says so', () => {
    const d = due('2026-09-30T22:00:00', 'PT4H');
    expect(d.at).toBe('2026-09-30T18:00:00.000Z');
    expect(d.explanation.workingDays).toBe(false);
    expect(d.explanation.calendar).toBeUndefined();
    expect(d.explanation.warnings).toEqual([
      '期限不含整日，工作日规则不适用，已按自然时间计算 / The window has no whole days, so the working-day rule does not apply; counted as plain time',
    ]);
  });

  it('rejects bad input', () => {
    expect(() => due('2026-09-30T22:00:00', 'P1M')).toThrow(DurationError);
    expect(() => computeDeadline({ from: new Date('x'), within: 'P1D', workingDays: true, calendar: cal })).toThrow(DeadlineError);
  });
});

describe('beyond the calendar', () => {
  const warning2027 =
    '计算期限涉及的年份（2027）的法定节假日和调休安排尚未收录，这些日期已按普通工作日（周一至周五）计算，请核对' +
    ' / The PRC holiday schedule for 2027 is not loaded; those days were counted as plain weekdays (Mon–Fri), please check';

  it('a deadline reaching into 2027 counts plain weekdays and warns', () => {
    // Wed 2026-12-30: 12-31 Thu (1), 2027-01-01 Fri (2, unknown!), 01-04 Mon (3), 01-05 (4), 01-06 (5)
    const d = due('2026-12-30T10:00:00', 'P5D');
    expect(d.at).toBe('2027-01-06T16:00:00.000Z');
    expect(d.explanation.warnings).toEqual([warning2027]);
    expect(d.explanation.zh).toBe('按策略，自2026-12-30 10:00起5个工作日，截止于2027-01-06 24:00（北京时间）');
  });

  it('one that stays in 2026 does not warn', () => {
    const d = due('2026-12-29T10:00:00', 'P2D');
    expect(d.at).toBe('2026-12-31T16:00:00.000Z');
    expect(d.explanation.warnings).toEqual([]);
  });

  it('several uncovered years are named in one warning', () => {
    const d = due('2026-12-30T10:00:00', 'P300D');
    expect(d.explanation.warnings).toHaveLength(1);
    expect(d.explanation.warnings[0]).toMatch(/^计算期限涉及的年份（2027、2028）.* for 2027, 2028 is not loaded/);
  });

  it('an override table with 2027 complete: the holiday is skipped and the warning goes away', () => {
    const withOverrides = createPrcCalendar({ years: { '2027': { complete: true, holidays: ['2027-01-01'], workdays: [] } } });
    // 12-31 (1), 01-04 (2), 01-05 (3), 01-06 (4), 01-07 (5)
    const d = due('2026-12-30T10:00:00', 'P5D', withOverrides);
    expect(d.at).toBe('2027-01-07T16:00:00.000Z');
    expect(d.explanation.warnings).toEqual([]);
    expect(d.explanation.calendar).toMatch(/\+ overrides 2027$/);
  });

  it('an incomplete override year still counts plain weekdays and warns', () => {
    const partial = createPrcCalendar({ years: { '2027': { complete: false, holidays: ['2027-01-01'], workdays: [] } } });
    const d = due('2026-12-30T10:00:00', 'P5D', partial);
    expect(d.at).toBe('2027-01-06T16:00:00.000Z');
    expect(d.explanation.warnings).toEqual([warning2027]);
  });
});

describe('nthWorkingDayAfter', () => {
  it('stops on a calendar with no working days', () => {
    const never: WorkCalendar = { isWorkingDay: () => false, covers: () => true, describe: () => 'never' };
    expect(() => nthWorkingDayAfter('2026-01-01', 1, never)).toThrow(DeadlineError);
    expect(() => nthWorkingDayAfter('2026-01-01', 0, cal)).toThrow(DeadlineError);
  });
});

describe('explicit deadlines', () => {
  it('an approved extension, worded by whoever set it', () => {
    const d = explicitDeadline('2026-10-20T10:00:00Z', 'extension', '2026-10-12T01:30:00.000Z', dueBecause({ zh: '领导小组办公室批准延期', en: 'Extension approved by the office' }));
    expect(d).toEqual({
      at: '2026-10-20T10:00:00.000Z',
      explanation: {
        basis: 'extension',
        from: '2026-10-12T01:30:00.000Z',
        workingDays: false,
        warnings: [],
        zh: '领导小组办公室批准延期，截止于2026-10-20 18:00（北京时间）',
        en: 'Extension approved by the office; due 2026-10-20 18:00 (Beijing time, UTC+8)',
      },
    });
  });

  it('at the end of a day, with a wording of its own', () => {
    const d = explicitDeadline(bj('2026-10-21T00:00:00').toISOString(), 'explicit', bj('2026-10-12T09:30:00').toISOString(), (due) => ({
      zh: `由领导小组办公室指定整改期限：${due.zh}`,
      en: `Rectification deadline set by the office: ${due.en}`,
    }));
    expect(d.at).toBe('2026-10-20T16:00:00.000Z');
    expect(d.explanation.zh).toBe('由领导小组办公室指定整改期限：2026-10-20 24:00（北京时间）');
    expect(d.explanation.en).toBe('Rectification deadline set by the office: 2026-10-20 24:00 (Beijing time, UTC+8)');
  });
});

describe('the times in a deadline explanation (formatLocalTime at the offset, precise)', () => {
  // As computeDeadline writes them: the start with midnight as 00:00, the end with it as 24:00.
  const start = (d: Date, offset = 480) => formatLocalTime(d, offset, { precise: true, midnight: '00:00' });
  const end = (d: Date, offset = 480) => formatLocalTime(d, offset, { precise: true });

  it('formats in Beijing time', () => {
    expect(start(new Date('2026-09-30T16:00:00Z'))).toBe('2026-10-01 00:00');
    expect(end(new Date('2026-09-30T16:00:00Z'))).toBe('2026-09-30 24:00');
    expect(start(new Date('2026-09-30T08:01:02.500Z'))).toBe('2026-09-30 16:01:02.500');
    expect(start(new Date('2026-09-30T08:01:00Z'), 0)).toBe('2026-09-30 08:01');
  });

  it('writes an end as 24:00 only at midnight exactly; seconds past it are shown as they are', () => {
    expect(end(new Date('2026-09-30T16:00:30Z'))).toBe('2026-10-01 00:00:30');
    expect(end(new Date('2026-09-30T16:00:00.500Z'))).toBe('2026-10-01 00:00:00.500');
    expect(end(new Date('2026-09-30T16:01:00Z'))).toBe('2026-10-01 00:01');
    // For people elsewhere (messages, the web UI): minutes only, 24:00 for the whole first minute,
    // in an IANA zone — the same text at the same offset.
    expect(formatLocalTime('2026-09-30T16:00:30Z')).toBe('2026-09-30 24:00');
    expect(formatLocalTime('2026-09-30T08:01:02.500Z', 480)).toBe(formatLocalTime('2026-09-30T08:01:02.500Z', 'Asia/Shanghai'));
  });

  it('names other offsets', () => {
    const d = computeDeadline({ from: new Date('2026-09-30T08:00:00Z'), within: 'PT1H', workingDays: false, calendar: cal, offsetMinutes: 0 });
    expect(d.explanation.zh).toBe('按策略，自2026-09-30 08:00起1小时，截止于2026-09-30 09:00（UTC+00:00）');
    expect(d.explanation.en).toBe('Per policy: 1 hour from 2026-09-30 08:00, due 2026-09-30 09:00 (UTC+00:00)');
  });
});
