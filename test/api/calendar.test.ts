/**
 * Calendar upkeep through the API (issue 12): the covered years and their source; the office enters
 * a year (validated, in the audit trail, applied from then on by the running system); the warning
 * in the office's inbox once a year; open notices counted over an uncovered year are listed and
 * recomputed, each recomputation in the timeline. The years used are far ahead and the dates are
 * test data, not a schedule.
 */
import request from 'supertest';
import { isPlainWeekday, addDays, localDate } from '../../domain/calendar';
import { warnOfficeOfCalendar } from '../../notifications/calendar-warning';
import { fastPolicy, startStack, type Stack } from '../support/stack';

const OFFICE = 'p-chen-jing';
let s: Stack;
/** Two years ahead: never covered by the package while this test is young. */
const Y = new Date().getUTCFullYear() + 2;
/** Working days (plain Mon–Fri) from tomorrow to 20 January of Y: the rectification window reaches into Y. */
function weekdaysUntil(date: string): number {
  let n = 0;
  for (let d = addDays(localDate(new Date()), 1); d <= date; d = addDays(d, 1)) if (isPlainWeekday(d)) n++;
  return n;
}
/** The first weekday of January Y after the 3rd: the test holiday. */
function firstWeekday(): string {
  let d = `${Y}-01-04`;
  while (!isPlainWeekday(d)) d = addDays(d, 1);
  return d;
}

beforeAll(async () => {
  const policy = fastPolicy({ ack: 'PT1H', rectify: 'PT2H' });
  policy.severities.low = { ...policy.severities.low, rectify: { within: `P${weekdaysUntil(`${Y}-01-20`)}D`, workingDays: true, reminders: [] } };
  // A deadline two years ahead (so that no schedule of next year has to be made up here).
  policy.limits = { ...policy.limits, maxDeadlineAhead: 'P1000D' };
  s = await startStack({ policy });
});
afterAll(async () => {
  await s?.shutdown();
});

async function put(year: number | string, body: unknown, as = OFFICE) {
  return request(s.app).put(`/api/calendar/years/${year}`).set('Authorization', `Bearer ${await s.tokens.sign(as)}`).send(body as object);
}

test('GET /api/calendar: covered years with their source, and the warning', async () => {
  const res = await s.as(OFFICE).get('/api/calendar');
  expect(res.status).toBe(200);
  const y2026 = (res.body.years as Array<{ year: number; source: string; detail?: string }>).find((y) => y.year === 2026)!;
  expect(y2026).toMatchObject({ source: 'package' });
  expect(y2026.detail).toMatch(/^chinese-days /);
  expect('warning' in res.body).toBe(true);
  // Between January and October there is none; from 1 November until next year is covered there is.
  const local = new Date(Date.now() + 8 * 3600000);
  const nextCovered = (res.body.years as Array<{ year: number }>).some((y) => y.year === local.getUTCFullYear() + 1);
  if (local.getUTCMonth() >= 10 && !nextCovered) expect(res.body.warning.year).toBe(local.getUTCFullYear() + 1);
  else expect(res.body.warning).toBeNull();
  expect((await s.as('p-li-na').get('/api/calendar')).status).toBe(403);
});

test('the warning reaches the office inbox once a year', async () => {
  const nov = new Date(`${Y - 1}-11-02T02:00:00Z`);
  expect(await warnOfficeOfCalendar(s.db, s.calendar, 'http://cyberduty.test', nov)).toBe(Y);
  expect(await warnOfficeOfCalendar(s.db, s.calendar, 'http://cyberduty.test', new Date(`${Y - 1}-11-20T02:00:00Z`))).toBe(Y);
  const inbox = (await s.as(OFFICE).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; subject: string }>;
  const warnings = inbox.filter((m) => m.kind === 'calendar_uncovered');
  expect(warnings).toHaveLength(1);
  expect(warnings[0].subject).toContain(`${Y}年节假日安排尚未录入`);
  // Not before November.
  expect(await warnOfficeOfCalendar(s.db, s.calendar, 'http://cyberduty.test', new Date(`${Y - 1}-10-30T02:00:00Z`))).toBeNull();
});

test('a year entered is validated, audited, applied, and the notices it affects are listed and recomputed', async () => {
  const holiday = firstWeekday();
  // A notice whose working-day rectification deadline reaches into Y, counted over plain weekdays.
  const created = await s.as(OFFICE).post('/api/notices', { unitId: 'cs', title: '跨年期限', category: 'other', severity: 'low', description: '期限跨入未收录年份' });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect(created.body.rectifyBy.explanation.uncoveredYears).toEqual(expect.arrayContaining([Y]));
  const before = Date.parse(created.body.rectifyBy.at);
  let list = await s.as(OFFICE).get('/api/notices?calendarWarning=true&pageSize=100');
  expect((list.body.items as Array<{ id: string }>).map((n) => n.id)).toContain(id);

  // Bad schedules are refused whole.
  expect((await put(Y, { holidays: [{ date: `${Y + 1}-01-01`, name: '不在本年' }] })).status).toBe(422);
  const weekdayAsWorkday = await put(Y, { holidays: [{ date: holiday, name: '测试用假日' }], workdays: [{ date: holiday, name: '测试' }] });
  expect(weekdayAsWorkday.status).toBe(422);
  expect(JSON.stringify(weekdayAsWorkday.body.details)).toContain('既是节假日又是调休上班日');
  expect((await put(Y, { holidays: [{ date: `${Y}-02-30`, name: '不存在' }] })).status).toBe(400);
  // A holiday's name follows the one text rule: a NUL or a lone surrogate is a 400, never a 500.
  for (const name of ['假日\u0000', '假日\ud807x']) expect((await put(Y, { holidays: [{ date: holiday, name }] })).status).toBe(400);
  expect((await put(Y, { holidays: [{ date: holiday, name: '测试用假日' }] }, 'p-li-na')).status).toBe(403);
  expect((await s.as(OFFICE).get('/api/calendar')).body.years.some((y: { year: number }) => y.year === Y)).toBe(false);

  const res = await put(Y, { holidays: [{ date: holiday, name: '测试用假日 / test holiday' }], workdays: [] });
  expect(res.status).toBe(201);
  const entered = (res.body.years as Array<{ year: number; source: string; enteredBy?: string; enteredAt?: string }>).find((y) => y.year === Y)!;
  expect(entered).toMatchObject({ source: 'entered', enteredBy: OFFICE });
  expect(Date.parse(entered.enteredAt!)).toBeGreaterThan(Date.now() - 60000);
  expect(s.calendar.isWorkingDay(holiday)).toBe(false);
  const audit = await s.db.query<{ action: string; target_id: string; actor_id: string }>(`SELECT action, target_id, actor_id FROM audit_log WHERE action = 'calendar.year_entered'`);
  expect(audit.rows).toEqual([{ action: 'calendar.year_entered', target_id: String(Y), actor_id: OFFICE }]);

  // Still listed (the deadline was counted before), then recomputed: one working day later, in the timeline.
  list = await s.as(OFFICE).get('/api/notices?calendarWarning=true&pageSize=100');
  expect((list.body.items as Array<{ id: string }>).map((n) => n.id)).toContain(id);
  expect((await s.as('p-li-na').post('/api/notices/recompute-deadlines', {})).status).toBe(403);
  const recomputed = await s.as(OFFICE).post('/api/notices/recompute-deadlines', { noticeIds: [id] });
  expect(recomputed.status).toBe(200);
  expect(recomputed.body.recomputed).toEqual([id]);
  const after = (await s.as(OFFICE).get(`/api/notices/${id}`)).body;
  expect(after.rectifyBy.explanation.basis).toBe('recomputed');
  expect(after.rectifyBy.explanation.zh).toContain('按更新后的日历重新计算');
  expect(Date.parse(after.rectifyBy.at)).toBeGreaterThan(before);
  const event = (after.timeline as Array<{ type: string; data: Record<string, { from: string; to: string }> }>).find((t) => t.type === 'deadlines_recomputed')!;
  expect(event.data.rectifyBy).toEqual({ from: new Date(before).toISOString(), to: after.rectifyBy.at });
  await s.as(OFFICE).post(`/api/notices/${id}/withdraw`, { reason: '测试结束' });
});
