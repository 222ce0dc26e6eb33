/**
 * /api/escalations: what waits for each leader, and their decisions. Decisions are updates on the
 * notice's workflow (escalation runs inside it); only the person at the current level (or, where the
 * notice's policy allows, one of their delegates) may decide — the workflow's validator checks that,
 * so a call that bypasses the API is refused as well.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { getEscalation, listEscalations, type EscalationRow } from '../db/escalations';
import { getTimeline } from '../db/notices';
import { DECISIONS, CHAIN } from '../domain/escalation';
import type { Policy } from '../domain/policy';
import { checkDeadlineWithin } from '../domain/time-bounds';
import { decideEscalationUpdate, noticeWorkflowId } from '../workflows/definitions';
import { can, visibleUnits, type CurrentUser } from './access';
import { notFound, HttpError } from './errors';
import { user } from './http';
import { withUpdateDeadline } from './updates';
import { instant, optionalText, queryText } from './schemas';

export interface EscalationRouteDeps {
  db: Db;
  temporal: Client;
  updateTimeoutMs: number;
  policy: Pick<Policy, 'limits'>;
}

const listQuery = z.strictObject({
  assignee: queryText(64).optional(),
  status: z.enum(['active', 'awaiting_decision', 'supervising', 'ended']).optional(),
  unitId: queryText(64).optional(),
  noticeId: queryText(64).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const decisionBody = z.strictObject({
  decision: z.enum(DECISIONS),
  until: instant.optional(),
  comment: optionalText(5000).optional(),
});

const idParam = z.string().regex(/^([A-Z][A-Z0-9]{0,9}-)?\d{4}-\d{4,}-E\d+$/);

function visible(u: CurrentUser, row: EscalationRow): boolean {
  return (
    can(u, 'escalation.read', row.unitId) ||
    row.asked.includes(u.id) ||
    row.assigneeId === u.id ||
    row.state.steps.some((s) => s.delegateIds?.includes(u.id))
  );
}

export function escalationRoutes(deps: EscalationRouteDeps): Router {
  const r = Router();
  const { db } = deps;

  async function view(row: EscalationRow) {
    const timeline = (await getTimeline(db, row.noticeId)).filter((e) => e.data.escalationId === row.id);
    return {
      ...row,
      levelLabel: row.level ? { zh: CHAIN[row.level - 1].zh, en: CHAIN[row.level - 1].en } : null,
      timeline,
    };
  }

  async function load(res: Response, raw: string): Promise<EscalationRow> {
    const id = idParam.safeParse(raw);
    const row = id.success ? await getEscalation(db, id.data) : null;
    if (!row || !visible(user(res), row)) throw notFound('找不到该督办事项', 'No such escalation');
    return row;
  }

  r.get('/', async (req, res) => {
    const q = listQuery.parse(req.query);
    const u = user(res);
    const assigneeId = q.assignee === 'me' ? u.id : q.assignee;
    const { items, total } = await listEscalations(db, {
      unitIds: visibleUnits(u, 'escalation.read'),
      readerId: u.id,
      assigneeId,
      status: q.status,
      unitId: q.unitId,
      noticeId: q.noticeId,
      page: q.page,
      pageSize: q.pageSize,
    });
    res.json({ items: items.map(({ state: _s, ...rest }) => rest), total, page: q.page, pageSize: q.pageSize });
  });

  r.get('/:id', async (req, res) => {
    res.json(await view(await load(res, req.params.id)));
  });

  r.post('/:id/decision', async (req, res) => {
    const row = await load(res, req.params.id);
    const body = decisionBody.parse(req.body);
    if (body.until) checkDeadlineWithin(deps.policy, 'until', body.until, Date.now());
    const u = user(res);
    if (row.status === 'ended') throw new HttpError(409, '该督办事项已结束', 'This escalation has ended');
    await withUpdateDeadline(deps, () =>
      deps.temporal.workflow.getHandle(noticeWorkflowId(row.noticeId)).executeUpdate(decideEscalationUpdate, {
        args: [{ actor: { id: u.id, name: u.name, capacity: 'leader', roles: { university: u.university, units: u.units } }, decision: { escalationId: row.id, ...body } }],
      }),
    );
    res.json(await view((await getEscalation(db, row.id))!));
  });

  return r;
}
