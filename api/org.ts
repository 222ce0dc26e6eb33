/**
 * The organisation for everyone in it (the directory): units; people with their roles as at a time
 * (now by default), so that "who was responsible then" is answerable (Art. 3, 6); and the history of
 * a unit's role holders, every tenure with its dates. Reads only: the organisation changes by
 * importing its file (README "Organisation file").
 *
 *   GET /api/org/units
 *   GET /api/org/people?unitId&at            (at: an ISO-8601 instant)
 *   GET /api/org/units/:id/role-history
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client';
import { getUnit, getUnitRoleHistory, listPeople, listUnits } from '../db/org';
import { ID_PATTERN } from '../domain/org';
import { can, visibleUnits } from './access';
import { forbidden, notFound } from './errors';
import { user } from './http';
import { instant, queryText } from './schemas';

export const peopleQuery = z.strictObject({
  unitId: queryText(64).optional(),
  at: instant.optional(),
});

export function orgRoutes(deps: { db: Db }): Router {
  const r = Router();
  const { db } = deps;

  r.get('/org/units', async (_req, res) => {
    if (!can(user(res), 'org.read')) throw forbidden();
    res.json({ items: await listUnits(db) });
  });

  r.get('/org/people', async (req, res) => {
    const q = peopleQuery.parse(req.query);
    const u = user(res);
    if (!can(u, 'org.read')) throw forbidden();
    // Contact details of another unit's people are for those who oversee all units.
    const all = visibleUnits(u, 'notice.read') === null;
    const at = q.at ? new Date(q.at) : new Date();
    const people = await listPeople(db, { unitId: q.unitId, at });
    res.json({
      at: at.toISOString(),
      items: all ? people : people.map(({ email: _e, phone: _p, ...rest }) => rest),
    });
  });

  r.get('/org/units/:id/role-history', async (req, res) => {
    if (!can(user(res), 'org.read')) throw forbidden();
    z.strictObject({}).parse(req.query);
    const unit = ID_PATTERN.test(req.params.id) ? await getUnit(db, req.params.id) : null;
    if (!unit) throw notFound('没有这个单位', 'No such unit');
    res.json({ unit, items: await getUnitRoleHistory(db, unit.id) });
  });

  return r;
}
