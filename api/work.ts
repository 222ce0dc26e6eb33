/** GET /api/me/work: everything waiting for the signed-in person (the web UI's 我的待办 / My work). */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client';
import { listMyWork } from '../db/work';
import type { CurrentUser } from './access';

export function workRoutes(deps: { db: Db }): Router {
  const r = Router();
  const user = (res: Response) => res.locals.user as CurrentUser;
  r.get('/me/work', async (req, res) => {
    z.strictObject({}).parse(req.query);
    const items = await listMyWork(deps.db, user(res));
    res.json({ items, total: items.length });
  });
  return r;
}
