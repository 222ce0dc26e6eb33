/**
 * GET /api/stats/...: the dashboard's figures (态势总览) for the office, the university's leaders
 * and those who oversee (access table: `stats.read`). Each route parses `unitId` and `asOf`, asks the
 * access table which units the person may count (a supervising leader: the units they supervise),
 * and answers what db/stats.ts counts. The definitions of the figures are in the README ("Dashboard").
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client';
import { getUnit } from '../db/org';
import { closedByMonth, escalationsByLevel, onTimeByUnit, openNoticesByUnit, overdueByWeek, type StatsScope } from '../db/stats';
import { beijingMonths, beijingWeeks } from '../domain/time';
import { can, visibleUnits } from './access';
import { forbidden, HttpError, notFound } from './errors';
import { user } from './http';
import { instant, queryText } from './schemas';

/** The weeks of the overdue trend and the months of the closed and on-time figures. */
export const STATS_WEEKS = 12;
export const STATS_MONTHS = 12;

/** The earliest `asOf` taken: before it the periods would reach years no notice can have. */
const EARLIEST_AS_OF = Date.parse('2000-01-01T00:00:00+08:00');
/** Clocks differ a little: an `asOf` this far ahead of the server's clock is still "now". */
const CLOCK_SKEW_MS = 60_000;

export const statsQuery = z.strictObject({
  unitId: queryText(64).optional().meta({ description: '只统计该单位 / count this unit only' }),
  asOf: instant.optional().meta({ description: '统计截止时刻（默认为当前时刻，不得晚于当前） / the instant the figures are as of (default now, not in the future)' }),
});

/** The scope of one request: the units counted and the instant, or a 4xx that says why not. */
async function scopeOf(db: Db, res: Response, query: unknown): Promise<StatsScope & { unitId?: string; asOfMs: number }> {
  const u = user(res);
  if (!can(u, 'stats.read')) {
    throw forbidden('态势总览仅供领导小组办公室、校领导及监督部门查看', 'The dashboard is for the office, the university leaders and the overseeing bodies');
  }
  const q = statsQuery.parse(query);
  const asOfMs = q.asOf === undefined ? Date.now() : Date.parse(q.asOf);
  if (asOfMs > Date.now() + CLOCK_SKEW_MS) {
    throw new HttpError(422, 'asOf 不能晚于当前时刻', 'asOf must not be in the future');
  }
  if (asOfMs < EARLIEST_AS_OF) {
    throw new HttpError(422, 'asOf 不能早于 2000-01-01（北京时间）', 'asOf must not be before 2000-01-01 (Beijing time)');
  }
  const visible = visibleUnits(u, 'stats.read');
  const unitId = q.unitId === '' ? undefined : q.unitId;
  if (unitId !== undefined) {
    if (!(await getUnit(db, unitId))) throw notFound(`没有单位 ${unitId}`, `No unit ${unitId}`);
    if (visible !== null && !visible.includes(unitId)) {
      throw forbidden(`您无权查看单位 ${unitId} 的统计`, `You may not see the figures of unit ${unitId}`);
    }
  }
  return { units: unitId !== undefined ? [unitId] : visible, asOf: new Date(asOfMs).toISOString(), asOfMs, unitId };
}

export function statsRoutes(deps: { db: Db }): Router {
  const r = Router();
  const { db } = deps;

  r.get('/open-notices', async (req, res) => {
    const s = await scopeOf(db, res, req.query);
    res.json({ asOf: s.asOf, ...(await openNoticesByUnit(db, s, s.unitId)) });
  });

  r.get('/overdue-weekly', async (req, res) => {
    const s = await scopeOf(db, res, req.query);
    res.json({ asOf: s.asOf, weeks: await overdueByWeek(db, s, beijingWeeks(s.asOfMs, STATS_WEEKS)) });
  });

  r.get('/escalations', async (req, res) => {
    const s = await scopeOf(db, res, req.query);
    res.json({ asOf: s.asOf, ...(await escalationsByLevel(db, s)) });
  });

  r.get('/on-time', async (req, res) => {
    const s = await scopeOf(db, res, req.query);
    const from = beijingMonths(s.asOfMs, STATS_MONTHS)[0].start;
    res.json({ asOf: s.asOf, ...(await onTimeByUnit(db, s, from)) });
  });

  r.get('/closed-monthly', async (req, res) => {
    const s = await scopeOf(db, res, req.query);
    res.json({ asOf: s.asOf, months: await closedByMonth(db, s, beijingMonths(s.asOfMs, STATS_MONTHS)) });
  });

  return r;
}
