/**
 * Calendar upkeep (issue 12): which years the work calendar covers and from where
 * (GET /api/calendar, with the yearly warning), entering a year's schedule as the State Council
 * publishes it (PUT /api/calendar/years/:year, office), and recomputing the deadlines of open
 * notices counted over a year the calendar did not cover (POST /api/notices/recompute-deadlines).
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { getNotice, listNotices } from '../db/notices';
import { putEnteredYear, refreshCalendar } from '../db/calendar';
import { calendarWarning, calendarYearBody, checkCalendarYear, recomputedDeadline, type LiveCalendar } from '../domain/calendar-upkeep';
import type { WorkCalendar } from '../domain/calendar';
import type { RecomputedDeadlines } from '../domain/overdue-rules';
import { noticeWorkflowId, recomputeDeadlinesUpdate } from '../workflows/definitions';
import { can, visibleUnits, type CurrentUser } from './access';
import { forbidden, HttpError } from './errors';
import { withUpdateDeadline, type RouteDeps } from './updates';

function user(res: Response): CurrentUser {
  return res.locals.user as CurrentUser;
}

export function isLiveCalendar(c: WorkCalendar): c is LiveCalendar {
  return typeof (c as Partial<LiveCalendar>).setEntered === 'function';
}

const yearParam = z.coerce.number().int().min(2000).max(2100);
const recomputeBody = z.strictObject({ noticeIds: z.array(z.string().max(64)).max(500).optional() });

export function calendarRoutes(deps: RouteDeps): Router {
  const r = Router();
  const live = (): LiveCalendar => {
    if (!isLiveCalendar(deps.calendar)) throw new HttpError(503, '日历不可维护', 'The calendar cannot be kept here');
    return deps.calendar;
  };

  r.get('/calendar', async (_req, res) => {
    if (!can(user(res), 'calendar.read')) throw forbidden();
    const c = live();
    await refreshCalendar(deps.db, c);
    res.json({ years: c.coverage(), description: c.describe(), warning: calendarWarning(new Date(), c) });
  });

  r.put('/calendar/years/:year', async (req, res) => {
    if (!can(user(res), 'calendar.edit')) throw forbidden('只有领导小组办公室可以维护日历', 'Only the office keeps the calendar');
    const year = yearParam.safeParse(req.params.year);
    if (!year.success) throw new HttpError(400, '年份应为 2000–2100 的四位数', 'The year must be four digits, 2000–2100');
    const body = calendarYearBody.parse(req.body);
    const problems = checkCalendarYear(year.data, body);
    if (problems.length) throw new HttpError(422, '节假日安排不符合要求', 'The schedule is not valid', problems);
    const { replaced } = await putEnteredYear(deps.db, year.data, body, user(res).id, typeof req.id === 'string' ? req.id : undefined);
    // Applied from now on: this process at once, the others at their next check.
    const c = live();
    await refreshCalendar(deps.db, c);
    res.status(replaced ? 200 : 201).json({ year: year.data, holidays: body.holidays, workdays: body.workdays, years: c.coverage() });
  });

  r.post('/notices/recompute-deadlines', async (req, res) => {
    const u = user(res);
    if (!can(u, 'notice.recomputeDeadlines')) throw forbidden('只有领导小组办公室可以重新计算期限', 'Only the office can have deadlines recomputed');
    const body = recomputeBody.parse(req.body ?? {});
    const c = live();
    await refreshCalendar(deps.db, c);
    const flagged = await listNotices(deps.db, { unitIds: visibleUnits(u, 'notice.read'), calendarWarning: true, page: 1, pageSize: 500 });
    const ids = body.noticeIds ? flagged.items.filter((n) => body.noticeIds!.includes(n.id)).map((n) => n.id) : flagged.items.map((n) => n.id);
    const recomputed: string[] = [];
    const unchanged: string[] = [];
    const now = new Date();
    for (const id of ids) {
      const found = await getNotice(deps.db, id);
      if (!found) continue;
      const s = found.state;
      const deadlines: RecomputedDeadlines = {};
      const ack = s.status === 'issued' ? recomputedDeadline(s.acknowledgeBy, c, now) : null;
      const rect = recomputedDeadline(s.rectifyBy, c, now);
      if (ack) deadlines.acknowledgeBy = ack;
      if (rect) deadlines.rectifyBy = rect;
      if (!ack && !rect) {
        unchanged.push(id);
        continue;
      }
      const actor = { id: u.id, name: u.name, capacity: 'office' as const, roles: { university: u.university, units: u.units } };
      await withUpdateDeadline(deps, () => deps.temporal.workflow.getHandle(noticeWorkflowId(id)).executeUpdate(recomputeDeadlinesUpdate, { args: [{ actor, deadlines }] }));
      recomputed.push(id);
    }
    res.json({ recomputed, unchanged });
  });

  return r;
}
