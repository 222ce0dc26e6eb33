/**
 * /api/notices: issue a notice (starts its workflow), list and read them (from the database
 * projection), and act on them (Temporal updates; the answer is what the database holds once the
 * workflow has recorded the step).
 */
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { withUpdateDeadline, type RouteDeps } from './updates';
import { instant, line, noticeId, optionalText, queryText, text } from './schemas';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { allocateNoticeId, getNotice, getNoticeDetail, listNotices, type NoticeDetail } from '../db/notices';
import { getUnit } from '../db/org';
import { getIncident, INCIDENT_ID_PATTERN } from '../db/incidents';
import { incidentLinkNoticeUpdate, incidentWorkflowId } from '../workflows/incident-definitions';
import { CATEGORIES, checkSubmitRectification, isTerminal, reminderSchedule, type EvidenceItem, NOTICE_STATUSES, SEVERITY_LEVELS, STATUS_LABELS, type Actor, type NoticeInput, type NoticeState } from '../domain/notice';
import { planNotice } from '../domain/notice-plan';
import { topOfChainReached } from '../domain/triggers';
import { checkDeadlineWithin } from '../domain/time-bounds';
import {
  acknowledgeUpdate,
  decideExtensionUpdate,
  issuedUpdate,
  noticeWorkflowId,
  requestExtensionUpdate,
  reviewUpdate,
  submitRectificationUpdate,
  withdrawUpdate,
} from '../workflows/definitions';
import { SA_ESCALATION_LEVEL, SA_OVERDUE, SA_SEVERITY, SA_STATUS, SA_UNIT } from '../workflows/search-attributes';
import { can, visibleUnits, type Action, type CurrentUser } from './access';
import { forbidden, HttpError, notFound } from './errors';
import { decodeEvidence, idempotencyKey, requestDigest, sendEvidence, storeEvidenceUploads, user, withIdempotency } from './http';


export const createNoticeBody = z.strictObject({
  unitId: line(64),
  title: line(200),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITY_LEVELS),
  description: text(20000),
  assets: z.array(line(500)).max(100).optional(),
  acknowledgeBy: instant.optional(),
  rectifyBy: instant.optional(),
  /** Opened from an incident (issue 10): the notice is linked to it, both ways. */
  incidentId: z.string().regex(INCIDENT_ID_PATTERN).optional(),
});

export const noticeListQuery = z.strictObject({
  unitId: queryText(64).optional(),
  status: z.enum(NOTICE_STATUSES).optional(),
  severity: z.enum(SEVERITY_LEVELS).optional(),
  overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  q: queryText(100).trim().transform((v) => v || undefined).optional(),
  calendarWarning: z.enum(['true']).transform(() => true).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

/** The list's answer (documented in the OpenAPI document; the items' fields as db/notices.ts reads them). */
export const noticeListAnswer = z.object({
  items: z.array(z.object({ id: z.string(), unitId: z.string(), unitName: z.string(), title: z.string(), status: z.enum(NOTICE_STATUSES), overdue: z.string().nullable() }).loose()),
  total: z.number().int().meta({
    description:
      '符合条件的通知数；超过上限（LIST_COUNT_CAP，默认 10000）时为上限本身 / the number of matching notices; when there are more than the cap (LIST_COUNT_CAP, default 10,000), the cap itself',
  }),
  totalIsExact: z.boolean().meta({ description: 'false：至少 total 条（显示为“10,000+”）/ false: at least `total` (shown as "10,000+")' }),
  page: z.number().int(),
  pageSize: z.number().int(),
});

const evidenceItem = z.strictObject({
  name: line(255),
  mediaType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'a media type such as application/pdf').default('application/octet-stream'),
  contentBase64: z.base64().min(1),
});

const rectificationBody = z.strictObject({
  summary: text(20000),
  measures: text(20000),
  evidence: z.array(evidenceItem).min(1).max(20),
});

const reviewBody = z.strictObject({
  decision: z.enum(['accept', 'reject']),
  comment: optionalText(5000).optional(),
  rectifyBy: instant.optional(),
});

const withdrawBody = z.strictObject({ reason: text(5000) });
const extensionBody = z.strictObject({ until: instant, reason: text(5000) });
const extensionDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  comment: optionalText(5000).optional(),
});
const noticeIdParam = noticeId;

function actorFor(u: CurrentUser, capacity: Actor['capacity']): Actor {
  return { id: u.id, name: u.name, capacity, roles: { university: u.university, units: u.units } };
}

export function noticeRoutes(deps: RouteDeps): Router {
  const r = Router();
  const { db, temporal } = deps;

  /** Loads a notice the user may see and may take `action` on (visibleTo). */
  async function loadVisible(res: Response, rawId: string, action: Action = 'notice.read') {
    return visibleTo(res, action, await getNotice(db, idFromPath(rawId)));
  }

  function idFromPath(rawId: string): string {
    const id = noticeIdParam.safeParse(rawId);
    if (!id.success) throw notFound('找不到该通知', 'No such notice');
    return id.data;
  }

  /** The notice if the user may see it (404 otherwise: its existence is not disclosed) and may take `action` on it. */
  function visibleTo<T extends { state: NoticeState }>(res: Response, action: Action, found: T | null): T {
    if (!found || !can(user(res), 'notice.read', found.state.unitId)) throw notFound('找不到该通知', 'No such notice');
    if (action !== 'notice.read' && !can(user(res), action, found.state.unitId)) throw forbidden();
    if (action !== 'notice.read' && isTerminal(found.state.status)) {
      const s = STATUS_LABELS[found.state.status];
      throw new HttpError(409, `该通知${s.zh}，不能再办理`, `The notice is ${s.en}; nothing more can be done`);
    }
    return found;
  }

  async function respondWithNotice(res: Response, id: string, status = 200) {
    const found = await getNoticeDetail(db, id);
    if (!found) throw notFound('找不到该通知', 'No such notice');
    res.status(status).json(noticeView(found));
  }

  function noticeView({ state, unitName, incidentIds, timeline }: NoticeDetail) {
    return {
      ...state,
      unitName,
      // Whether (and when) each escalation reached the top of the chain: the condition of Art. 7(6)'s
      // "unrectified after the top of the chain" the office records (POST /api/accountability-triggers).
      escalations: state.escalations.map((e) => ({ ...e, topOfChain: topOfChainReached(e) ?? null })),
      // Incidents this notice was opened for (linked from the incident, issue 10).
      incidentIds,
      // When each reminder of the running deadlines falls due (working-day windows: a working day at
      // the policy's time of day, spread by notice).
      reminderSchedule: reminderSchedule(state),
      timeline,
    };
  }

  function handle(id: string) {
    return temporal.workflow.getHandle(noticeWorkflowId(id));
  }

  /**
   * The notice's plan as issuing would compute it (domain use case planNotice; explicit deadlines win
   * over the policy's), with the same refusals; shared by the issue and its preview so that what the
   * office checks is what is sent.
   */
  function planFor(body: z.infer<typeof createNoticeBody>, now: Date) {
    // Deadlines, reminders, escalation and who hears of it, from the policy (a RuleViolation is a 422).
    const plan = planNotice({
      policy: deps.policy,
      severity: body.severity,
      now,
      calendar: deps.calendar,
      acknowledgeBy: body.acknowledgeBy,
      rectifyBy: body.rectifyBy,
    });
    for (const [name, d] of [['acknowledgeBy', plan.acknowledgeBy], ['rectifyBy', plan.rectifyBy]] as const) {
      checkDeadlineWithin(deps.policy, name, d.at, now.getTime());
    }
    return plan;
  }

  // The deadlines a notice would get, before it is sent (nothing is written).
  r.post('/preview', async (req, res) => {
    const u = user(res);
    if (!can(u, 'notice.create')) throw forbidden('只有领导小组办公室可以下发通知', 'Only the office can issue notices');
    const body = createNoticeBody.parse(req.body);
    const unit = await getUnit(db, body.unitId);
    if (!unit || !unit.active) throw new HttpError(422, `单位 ${body.unitId} 不存在`, `Unit ${body.unitId} does not exist`);
    const plan = planFor(body, new Date());
    res.json({ acknowledgeBy: plan.acknowledgeBy, rectifyBy: plan.rectifyBy, unitName: unit.name });
  });

  r.post('/', async (req, res) => {
    const u = user(res);
    if (!can(u, 'notice.create')) throw forbidden('只有领导小组办公室可以下发通知', 'Only the office can issue notices');
    const body = createNoticeBody.parse(req.body);
    const unit = await getUnit(db, body.unitId);
    if (!unit || !unit.active) throw new HttpError(422, `单位 ${body.unitId} 不存在`, `Unit ${body.unitId} does not exist`);
    const now = new Date();
    const plan = planFor(body, now);
    const incident = body.incidentId ? await getIncident(db, body.incidentId) : null;
    if (body.incidentId && (!incident || incident.state.unitId !== body.unitId || incident.state.status === 'closed')) {
      throw new HttpError(422, `事件 ${body.incidentId} 不存在、不属于该单位或已办结`, `Incident ${body.incidentId} does not exist, belongs to another unit or is closed`);
    }
    const key = idempotencyKey(req);
    const allocated = await withIdempotency({ zh: '通知', en: 'notice' }, () =>
      allocateNoticeId(db, now.getUTCFullYear(), key, requestDigest(body), deps.idPrefix),
    );
    const input: NoticeInput = {
      id: allocated.id,
      unitId: body.unitId,
      title: body.title,
      category: body.category,
      severity: body.severity,
      description: body.description,
      assets: body.assets ?? [],
      issuedBy: actorFor(u, 'office'),
      issuedAt: now.toISOString(),
      ...plan,
    };
    // Start and wait for the issue to be recorded, in one call. The workflow id comes from the
    // notice number and an existing run is reused, so a repeated request never starts two.
    const started = await withUpdateDeadline(deps, () => temporal.workflow.executeUpdateWithStart(issuedUpdate, {
      args: [],
      startWorkflowOperation: new WithStartWorkflowOperation('noticeWorkflow', {
        workflowId: noticeWorkflowId(allocated.id),
        taskQueue: deps.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [
          { key: SA_UNIT, value: body.unitId },
          { key: SA_SEVERITY, value: body.severity },
          { key: SA_STATUS, value: 'issued' },
          { key: SA_OVERDUE, value: 'none' },
          { key: SA_ESCALATION_LEVEL, value: 0 },
        ],
      }),
    }));
    // A workflow with this id that is not this notice (another deployment sharing the namespace
    // with the same numbering) must never be taken for it.
    if (started.unitId !== input.unitId || started.title !== input.title || started.description !== input.description) {
      throw new HttpError(409, `编号 ${allocated.id} 的流程已存在且内容不同`, `A different process already uses number ${allocated.id}`);
    }
    if (incident && !incident.state.noticeIds.includes(allocated.id)) {
      await withUpdateDeadline(deps, () =>
        temporal.workflow.getHandle(incidentWorkflowId(incident.state.id)).executeUpdate(incidentLinkNoticeUpdate, { args: [{ actor: actorFor(u, 'office'), noticeId: allocated.id }] }),
      );
    }
    res.setHeader('Location', `/api/notices/${allocated.id}`);
    await respondWithNotice(res, allocated.id, allocated.existing ? 200 : 201);
  });

  r.get('/', async (req, res) => {
    // Someone who may read no unit's notices is refused, as the access table says (not shown an empty list).
    if (!can(user(res), 'notice.read')) throw forbidden('无权查看整改通知', 'You may not read notices');
    const q = noticeListQuery.parse(req.query);
    const units = visibleUnits(user(res), 'notice.read');
    const { items, total, totalIsExact } = await listNotices(db, { ...q, unitIds: units }, { countCap: deps.listCountCap });
    res.json({ items, total, totalIsExact, page: q.page, pageSize: q.pageSize });
  });

  r.get('/:id', async (req, res) => {
    res.json(noticeView(visibleTo(res, 'notice.read', await getNoticeDetail(db, idFromPath(req.params.id)))));
  });

  r.get('/:id/evidence/:sha256', async (req, res) => {
    const found = await loadVisible(res, req.params.id);
    await sendEvidence(db, res, found.state.rectifications.flatMap((x) => x.evidence).find((e) => e.sha256 === req.params.sha256));
  });

  r.post('/:id/acknowledge', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'notice.acknowledge');
    z.strictObject({}).parse(req.body ?? {});
    await withUpdateDeadline(deps, () => handle(found.state.id).executeUpdate(acknowledgeUpdate, { args: [{ actor: actorFor(user(res), 'unit') }] }));
    await respondWithNotice(res, found.state.id);
  });

  // Evidence arrives base64-encoded in JSON; this route alone takes large bodies.
  const evidenceBodyLimit = Math.ceil(deps.evidenceMaxBytes * 20 * 1.37) + 256 * 1024;
  r.post('/:id/rectification', express.json({ limit: evidenceBodyLimit }), async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'notice.report');
    const body = rectificationBody.parse(req.body);
    const files = body.evidence.map((e) => decodeEvidence(e, deps.evidenceMaxBytes));
    const evidence: EvidenceItem[] = files.map((f) => ({ name: f.name, mediaType: f.mediaType, sha256: f.sha256, size: f.size }));
    const report = { summary: body.summary, measures: body.measures, evidence };
    // The workflow's own rule, on the notice as recorded, before a file is stored: a report it would
    // refuse (not acknowledged yet, under review) leaves nothing behind. Its validator still decides.
    checkSubmitRectification(found.state, actorFor(user(res), 'unit'), report);
    // Stored content-addressed before the workflow sees the hashes, so a recorded report never
    // points at a missing file.
    await storeEvidenceUploads(db, files, user(res).id);
    await withUpdateDeadline(deps, () => handle(found.state.id).executeUpdate(submitRectificationUpdate, {
      args: [{ actor: actorFor(user(res), 'unit'), report }],
    }));
    await respondWithNotice(res, found.state.id);
  });

  r.post('/:id/review', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'notice.review');
    const body = reviewBody.parse(req.body);
    if (body.rectifyBy) checkDeadlineWithin(deps.policy, 'rectifyBy', body.rectifyBy, Date.now());
    await withUpdateDeadline(deps, () => handle(found.state.id).executeUpdate(reviewUpdate, { args: [{ actor: actorFor(user(res), 'office'), review: body }] }));
    await respondWithNotice(res, found.state.id);
  });

  r.post('/:id/withdraw', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'notice.withdraw');
    const body = withdrawBody.parse(req.body);
    await withUpdateDeadline(deps, () => handle(found.state.id).executeUpdate(withdrawUpdate, { args: [{ actor: actorFor(user(res), 'office'), reason: body.reason }] }));
    await respondWithNotice(res, found.state.id);
  });

  r.post('/:id/extension-requests', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'notice.requestExtension');
    const body = extensionBody.parse(req.body);
    checkDeadlineWithin(deps.policy, 'until', body.until, Date.now());
    const requestId = `x${found.state.extensions.length + 1}`;
    const state = await withUpdateDeadline(deps, () => handle(found.state.id).executeUpdate(requestExtensionUpdate, {
      args: [{ actor: actorFor(user(res), 'unit'), request: { id: requestId, until: body.until, reason: body.reason } }],
    }));
    res.setHeader('Location', `/api/notices/${found.state.id}/extension-requests/${requestId}`);
    res.status(201).json(state.extensions.find((e) => e.id === requestId));
  });

  r.post('/:id/extension-requests/:rid/decision', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'notice.decideExtension');
    if (!/^x\d{1,6}$/.test(req.params.rid)) throw notFound('找不到该延期申请', 'No such extension request');
    const body = extensionDecisionBody.parse(req.body);
    await withUpdateDeadline(deps, () => handle(found.state.id).executeUpdate(decideExtensionUpdate, {
      args: [{ actor: actorFor(user(res), 'office'), decision: { requestId: req.params.rid, ...body } }],
    }));
    await respondWithNotice(res, found.state.id);
  });

  return r;
}
