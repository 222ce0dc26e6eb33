import { z } from 'zod';
import {
  DurationError,
  durationMs,
  formatDurationEn,
  formatDurationZh,
  isoDuration,
  parseDuration,
  positiveIsoDuration,
} from '../../domain/duration';

const H = 3_600_000;

describe('parseDuration', () => {
  it.each([
    ['PT4H', { days: 0, hours: 4, minutes: 0, seconds: 0 }, 4 * H],
    ['P3D', { days: 3, hours: 0, minutes: 0, seconds: 0 }, 72 * H],
    ['P2W', { days: 14, hours: 0, minutes: 0, seconds: 0 }, 14 * 24 * H],
    ['P1W2D', { days: 9, hours: 0, minutes: 0, seconds: 0 }, 9 * 24 * H],
    ['P1DT12H', { days: 1, hours: 12, minutes: 0, seconds: 0 }, 36 * H],
    ['PT30M', { days: 0, hours: 0, minutes: 30, seconds: 0 }, 30 * 60_000],
    ['PT0.5S', { days: 0, hours: 0, minutes: 0, seconds: 0.5 }, 500],
    ['PT1,25S', { days: 0, hours: 0, minutes: 0, seconds: 1.25 }, 1250],
    ['P3DT2H15M10S', { days: 3, hours: 2, minutes: 15, seconds: 10 }, 74 * H + 15 * 60_000 + 10_000],
    ['PT36H', { days: 0, hours: 36, minutes: 0, seconds: 0 }, 36 * H],
    ['PT0S', { days: 0, hours: 0, minutes: 0, seconds: 0 }, 0],
  ])('%s', (iso, parts, ms) => {
    const d = parseDuration(iso);
    expect(d).toEqual({ ...parts, iso });
    expect(durationMs(d)).toBe(ms);
  });

  it('rejects years and months with a clear error', () => {
    expect(() => parseDuration('P1Y')).toThrow(DurationError);
    expect(() => parseDuration('P1Y')).toThrow(/years \(Y\) and months \(M\) are not supported/);
    expect(() => parseDuration('P2M')).toThrow(/不支持年（Y）和月（M）/);
    expect(() => parseDuration('P1Y2M3D')).toThrow(/months/);
    // PT2M is two minutes, not months
    expect(parseDuration('PT2M').minutes).toBe(2);
  });

  it.each([
    ['', /empty/],
    ['P', /at least one component/],
    ['PT', /"T" must be followed/],
    ['P1DT', /"T" must be followed/],
    ['-P1D', /negative/],
    ['P-1D', /negative/],
    ['+P1D', /signed/],
    ['4H', /must start with "P"/],
    ['pt4h', /must start with "P"/],
    ['P1.5D', /only seconds may have a fraction/],
    ['PT1.5H', /malformed/],
    ['PT4H ', /malformed/],
    [' PT4H', /must start with "P"/],
    ['P1H', /malformed/],
    ['PT4HT', /malformed/],
    ['PT.5S', /malformed/],
    ['P1D2W', /malformed/],
    ['PT99999999999999999999H', /too/],
  ])('rejects %j', (iso, message) => {
    expect(() => parseDuration(iso)).toThrow(DurationError);
    expect(() => parseDuration(iso)).toThrow(message);
  });

  it('rejects non-strings', () => {
    expect(() => parseDuration(5 as unknown as string)).toThrow(DurationError);
  });

  it('error messages are Chinese first, then English', () => {
    try {
      parseDuration('P1M');
      throw new Error('expected a DurationError');
    } catch (e) {
      expect(e).toBeInstanceOf(DurationError);
      expect((e as Error).message).toMatch(/^无效的ISO-8601时长“P1M”：.+ \/ Invalid ISO-8601 duration "P1M": /);
    }
  });
});

describe('formatting', () => {
  it.each([
    ['P3DT2H', '3天2小时', '3 days 2 hours'],
    ['P1D', '1天', '1 day'],
    ['PT1H1M1S', '1小时1分钟1秒', '1 hour 1 minute 1 second'],
    ['PT30M', '30分钟', '30 minutes'],
    ['PT0.5S', '0.5秒', '0.5 seconds'],
    ['P2W', '14天', '14 days'],
    ['PT0S', '0秒', '0 seconds'],
  ])('%s', (iso, zh, en) => {
    expect(formatDurationZh(parseDuration(iso))).toBe(zh);
    expect(formatDurationEn(parseDuration(iso))).toBe(en);
  });

  it('says working days when asked', () => {
    expect(formatDurationZh(parseDuration('P5D'), { workingDays: true })).toBe('5个工作日');
    expect(formatDurationEn(parseDuration('P1DT4H'), { workingDays: true })).toBe('1 working day 4 hours');
  });
});

describe('isoDuration schema', () => {
  const schema = z.object({ within: isoDuration });

  it('keeps the string', () => {
    expect(schema.parse({ within: 'P5D' })).toEqual({ within: 'P5D' });
  });

  it('reports the parser message at the path', () => {
    const r = schema.safeParse({ within: 'P1M' });
    expect(r.success).toBe(false);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0].path).toEqual(['within']);
    expect(r.error!.issues[0].message).toMatch(/months \(M\) are not supported/);
  });

  it('rejects non-strings', () => {
    expect(schema.safeParse({ within: 5 }).success).toBe(false);
  });

  it('positiveIsoDuration rejects zero', () => {
    expect(positiveIsoDuration.safeParse('PT0S').success).toBe(false);
    expect(positiveIsoDuration.safeParse('PT1S').success).toBe(true);
    const bad = positiveIsoDuration.safeParse('garbage');
    expect(bad.success).toBe(false);
    expect(bad.error!.issues).toHaveLength(1);
  });
});
