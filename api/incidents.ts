/**
 * /api/incidents (网络安全事件): record an incident (starts its workflow; `Idempotency-Key`), list and
 * read them with their clocks and timeline (from the database projection), and act on them —
 * report, confirm, containment, restoration and its confirmation, the closing report and its review,
 * serious impact, linking a notice, closing. Thin: parse → authorise → a domain use case or a
 * workflow update → answer with what the database holds.
 */
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { withUpdateDeadline, type RouteDeps } from './updates';
import { instant, line, noticeId, optionalText, queryText, text } from './schemas';
import { can, visibleUnits, type Action, type CurrentUser } from './access';
import { forbidden, HttpError, notFound } from './errors';
import { getNotice } from '../db/notices';
import { decodeEvidence, idempotencyKey, requestDigest, sendEvidence, storeEvidenceUploads, user, withIdempotency } from './http';
import { getUnit } from '../db/org';
import { getSystems } from '../db/systems';
import { allocateIncidentId, getIncident, getIncidentTimeline, INCIDENT_ID_PATTERN, listIncidents } from '../db/incidents';
import type { Actor, EvidenceItem } from '../domain/notice';
import {
  checkClosingReport,
  INCIDENT_GRADES,
  INCIDENT_SOURCES,
  INCIDENT_STATUSES,
  INCIDENT_STATUS_LABELS,
  INCIDENT_TYPES,
  outageDurationMs,
  type IncidentState,
} from '../domain/incident';
import { planIncident } from '../domain/incident-plan';
import {
  incidentCloseUpdate,
  incidentClosingReportUpdate,
  incidentConfirmRestorationUpdate,
  incidentConfirmUpdate,
  incidentContainUpdate,
  incidentLinkNoticeUpdate,
  incidentMarkSeriousUpdate,
  incidentRecordedUpdate,
  incidentReportUpdate,
  incidentRestoreUpdate,
  incidentReviewUpdate,
  incidentWorkflowId,
} from '../workflows/incident-definitions';
import { SA_STATUS, SA_UNIT } from '../workflows/search-attributes';

const systemId = z.string().regex(/^SYS-\d{4,}$/, 'a system id such as SYS-0001');

export const createIncidentBody = z.strictObject({
  unitId: line(64),
  title: line(200),
  type: z.enum(INCIDENT_TYPES),
  grade: z.enum(INCIDENT_GRADES),
  systemIds: z.array(systemId).max(50).optional(),
  startedAt: instant.optional(),
  detectedAt: instant.optional(),
  detectedBy: line(200).optional(),
  impact: text(20000),
  measures: optionalText(20000).optional(),
  outage: z.boolean().optional(),
  outageStartedAt: instant.optional(),
  source: z.enum(INCIDENT_SOURCES).optional(),
});

const listQuery = z.strictObject({
  unitId: queryText(64).optional(),
  type: z.enum(INCIDENT_TYPES).optional(),
  grade: z.enum(INCIDENT_GRADES).optional(),
  status: z.enum(INCIDENT_STATUSES).optional(),
  late: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  systemId: queryText(64).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const evidenceItem = z.strictObject({
  name: line(255),
  mediaType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'a media type such as application/pdf').default('application/octet-stream'),
  contentBase64: z.base64().min(1),
});

const bodies = {
  report: z.strictObject({ summary: text(20000) }),
  confirm: z.strictObject({ agrees: z.boolean(), comment: optionalText(5000).optional() }),
  containment: z.strictObject({ measures: text(20000) }),
  restoration: z.strictObject({ restoredAt: instant.optional(), summary: text(20000) }),
  confirmRestoration: z.strictObject({ decision: z.enum(['confirm', 'reject']), comment: optionalText(5000).optional() }),
  closingReport: z.strictObject({ summary: text(20000), measures: text(20000), evidence: z.array(evidenceItem).min(1).max(20) }),
  review: z.strictObject({ decision: z.enum(['accept', 'reject']), comment: optionalText(5000).optional() }),
  serious: z.strictObject({ reason: text(5000) }),
  link: z.strictObject({ noticeId }),
  close: z.strictObject({ reason: text(5000) }),
};

const NOT_FOUND = ['找不到该事件', 'No such incident'] as const;

function actorFor(u: CurrentUser, capacity: Actor['capacity']): Actor {
  return { id: u.id, name: u.name, capacity, roles: { university: u.university, units: u.units } };
}

/** The clocks as they stand now, for the detail and the live list. */
export function clocksNow(s: IncidentState, now: number) {
  const down = outageDurationMs(s, now);
  return {
    now: new Date(now).toISOString(),
    sinceDetectionMs: Math.max(0, (s.closedAt ? Date.parse(s.closedAt) : now) - Date.parse(s.detectedAt)),
    report: {
      within: s.clocks.reportWithin,
      dueAt: s.clocks.reportDueAt,
      reportedAt: s.report?.at ?? null,
      lateByMs: s.report ? s.report.lateByMs : s.reportOverdue ? now - Date.parse(s.clocks.reportDueAt) : 0,
      overdue: s.reportOverdue,
      neverReported: s.neverReported,
    },
    outage: s.clocks.outage
      ? {
          startedAt: s.clocks.outage.startedAt,
          restoredAt: s.restoration?.restoredAt ?? null,
          confirmed: !!s.restoration?.confirmed,
          durationMs: down,
          alertAfterMs: s.clocks.outage.alertAfterMs,
          alerted: s.outageAlerted,
          thresholdMs: s.triggers.outage.thresholdMs,
        }
      : null,
  };
}

export function incidentRoutes(deps: RouteDeps): Router {
  const r = Router();
  const { db, temporal } = deps;

  async function loadVisible(res: Response, rawId: string, action: Action = 'incident.read') {
    const id = z.string().regex(INCIDENT_ID_PATTERN).safeParse(rawId);
    if (!id.success) throw notFound(...NOT_FOUND);
    const found = await getIncident(db, id.data);
    if (!found || !can(user(res), 'incident.read', found.state.unitId)) throw notFound(...NOT_FOUND);
    if (action !== 'incident.read' && !can(user(res), action, found.state.unitId)) throw forbidden();
    if (action !== 'incident.read' && found.state.status === 'closed') {
      const s = INCIDENT_STATUS_LABELS.closed;
      throw new HttpError(409, `该事件${s.zh}，不能再办理`, `The incident is ${s.en}; nothing more can be done`);
    }
    return found;
  }

  async function view(id: string) {
    const found = await getIncident(db, id);
    if (!found) throw notFound(...NOT_FOUND);
    return { ...found.state, unitName: found.unitName, clocksNow: clocksNow(found.state, Date.now()), timeline: await getIncidentTimeline(db, id) };
  }

  const handle = (id: string) => temporal.workflow.getHandle(incidentWorkflowId(id));

  r.post('/', async (req, res) => {
    const u = user(res);
    if (!can(u, 'incident.create')) throw forbidden('无权记录网络安全事件', 'You may not record incidents');
    const body = createIncidentBody.parse(req.body);
    const unit = await getUnit(db, body.unitId);
    if (!unit || !unit.active) throw new HttpError(422, `单位 ${body.unitId} 不存在`, `Unit ${body.unitId} does not exist`);
    // The unit reports its own incidents; the office records those it learned of elsewhere.
    const unitActor = can(u, 'incident.act', body.unitId);
    const source = body.source ?? (unitActor ? 'unit' : 'monitoring');
    if (source === 'unit' ? !unitActor : !can(u, 'incident.review', body.unitId)) {
      throw forbidden(
        source === 'unit' ? '只有事发单位可以报告本单位的事件' : '只有领导小组办公室可以记录从其他渠道获知的事件',
        source === 'unit' ? 'Only the unit concerned reports its incidents' : 'Only the office records incidents learned of elsewhere',
      );
    }
    const systemIds = [...new Set(body.systemIds ?? [])];
    const systems = await getSystems(db, systemIds);
    const foreign = systems.find((s) => s.unitId !== body.unitId);
    if (foreign) throw new HttpError(422, `信息系统 ${foreign.id} 不属于该单位`, `System ${foreign.id} belongs to another unit`);
    const key = idempotencyKey(req);
    const now = new Date();
    const actor = actorFor(u, source === 'unit' ? 'unit' : 'office');
    const entry = { ...body, systemIds, source };
    const affected = systems.map((s) => ({ id: s.id, name: s.name, important: s.important, cii: s.cii, protectionLevel: s.protectionLevel }));
    // Planned (and so checked) before a number is allocated: a refused request leaves no gap.
    planIncident({ id: 'I0000-0000', entry, systems: affected, policy: deps.policy, actor, now });
    const allocated = await withIdempotency({ zh: '事件', en: 'incident' }, () =>
      allocateIncidentId(db, now.getUTCFullYear(), key, requestDigest(body), deps.idPrefix),
    );
    const input = planIncident({ id: allocated.id, entry, systems: affected, policy: deps.policy, actor, now });
    const started = await withUpdateDeadline(deps, () =>
      temporal.workflow.executeUpdateWithStart(incidentRecordedUpdate, {
        args: [],
        startWorkflowOperation: new WithStartWorkflowOperation('incidentWorkflow', {
          workflowId: incidentWorkflowId(allocated.id),
          taskQueue: deps.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [
            { key: SA_UNIT, value: body.unitId },
            { key: SA_STATUS, value: 'open' },
          ],
        }),
      }),
    );
    if (started.unitId !== input.unitId || started.title !== input.title) {
      throw new HttpError(409, `编号 ${allocated.id} 的流程已存在且内容不同`, `A different process already uses number ${allocated.id}`);
    }
    res.setHeader('Location', `/api/incidents/${allocated.id}`);
    res.status(allocated.existing ? 200 : 201).json(await view(allocated.id));
  });

  r.get('/', async (req, res) => {
    if (!can(user(res), 'incident.read')) throw forbidden('无权查看网络安全事件', 'You may not read incidents');
    const q = listQuery.parse(req.query);
    const { items, total } = await listIncidents(db, { ...q, unitIds: visibleUnits(user(res), 'incident.read') });
    res.json({ items, total, page: q.page, pageSize: q.pageSize, now: new Date().toISOString() });
  });

  r.get('/:id', async (req, res) => {
    const found = await loadVisible(res, req.params.id);
    res.json(await view(found.state.id));
  });

  r.get('/:id/evidence/:sha256', async (req, res) => {
    const found = await loadVisible(res, req.params.id);
    await sendEvidence(db, res, found.state.closingReports.flatMap((x) => x.evidence).find((e) => e.sha256 === req.params.sha256));
  });

  /** One action: load and authorise, parse, run the update, answer with the recorded incident. */
  function act<S extends z.ZodType>(
    path: string,
    action: Action,
    capacity: Actor['capacity'],
    schema: S,
    run: (id: string, actor: Actor, body: z.output<S>) => Promise<unknown>,
  ) {
    r.post(path, async (req, res) => {
      const found = await loadVisible(res, req.params.id as string, action);
      const body = schema.parse(req.body ?? {});
      await withUpdateDeadline(deps, () => run(found.state.id, actorFor(user(res), capacity), body));
      res.json(await view(found.state.id));
    });
  }

  act('/:id/report', 'incident.act', 'unit', bodies.report, (id, actor, b) => handle(id).executeUpdate(incidentReportUpdate, { args: [{ actor, summary: b.summary }] }));
  act('/:id/confirm', 'incident.act', 'unit', bodies.confirm, (id, actor, b) => handle(id).executeUpdate(incidentConfirmUpdate, { args: [{ actor, ...b }] }));
  act('/:id/containment', 'incident.act', 'unit', bodies.containment, (id, actor, b) =>
    handle(id).executeUpdate(incidentContainUpdate, { args: [{ actor, measures: b.measures }] }),
  );
  act('/:id/restoration', 'incident.act', 'unit', bodies.restoration, (id, actor, b) =>
    handle(id).executeUpdate(incidentRestoreUpdate, { args: [{ actor, restoredAt: b.restoredAt ?? new Date().toISOString(), summary: b.summary }] }),
  );
  act('/:id/restoration/confirm', 'incident.review', 'office', bodies.confirmRestoration, (id, actor, b) =>
    handle(id).executeUpdate(incidentConfirmRestorationUpdate, { args: [{ actor, ...b }] }),
  );
  act('/:id/review', 'incident.review', 'office', bodies.review, (id, actor, b) => handle(id).executeUpdate(incidentReviewUpdate, { args: [{ actor, ...b }] }));
  act('/:id/serious-impact', 'incident.review', 'office', bodies.serious, (id, actor, b) =>
    handle(id).executeUpdate(incidentMarkSeriousUpdate, { args: [{ actor, reason: b.reason }] }),
  );
  act('/:id/close', 'incident.review', 'office', bodies.close, (id, actor, b) => handle(id).executeUpdate(incidentCloseUpdate, { args: [{ actor, reason: b.reason }] }));

  r.post('/:id/notices', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'incident.review');
    const body = bodies.link.parse(req.body ?? {});
    const notice = await getNotice(db, body.noticeId);
    if (!notice || notice.state.unitId !== found.state.unitId) {
      throw new HttpError(422, `通知 ${body.noticeId} 不存在或不属于该单位`, `Notice ${body.noticeId} does not exist or belongs to another unit`);
    }
    await withUpdateDeadline(deps, () =>
      handle(found.state.id).executeUpdate(incidentLinkNoticeUpdate, { args: [{ actor: actorFor(user(res), 'office'), noticeId: body.noticeId }] }),
    );
    res.json(await view(found.state.id));
  });

  // Evidence arrives base64-encoded in JSON; this route takes large bodies (api/app.ts skips the small limit).
  const evidenceBodyLimit = Math.ceil(deps.evidenceMaxBytes * 20 * 1.37) + 256 * 1024;
  r.post('/:id/closing-report', express.json({ limit: evidenceBodyLimit }), async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'incident.act');
    const body = bodies.closingReport.parse(req.body);
    const files = body.evidence.map((e) => decodeEvidence(e, deps.evidenceMaxBytes));
    const evidence: EvidenceItem[] = files.map((f) => ({ name: f.name, mediaType: f.mediaType, sha256: f.sha256, size: f.size }));
    const report = { summary: body.summary, measures: body.measures, evidence };
    const actor = actorFor(user(res), 'unit');
    // The workflow's rule on the recorded state first, so a refused report stores no file.
    checkClosingReport(found.state, actor, report);
    await storeEvidenceUploads(db, files, user(res).id);
    await withUpdateDeadline(deps, () => handle(found.state.id).executeUpdate(incidentClosingReportUpdate, { args: [{ actor, report }] }));
    res.json(await view(found.state.id));
  });

  return r;
}
