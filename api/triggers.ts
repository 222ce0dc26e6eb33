/**
 * /api/accountability-triggers (问责触发): the firings of Art. 7's rules, each with its rule, article,
 * facts and the draft it opened; and the situations the office records itself — 7(3) data leak,
 * 7(4) infrastructure attack, 7(7) obstruction, 7(8) other, and 7(6) a notice still unrectified
 * after the top of the escalation chain with its consequences. A recorded situation opens a draft
 * through the proposal workflow, once per facts: submitting the same facts again returns the same
 * draft (200, `existing: true`).
 */
import crypto from 'node:crypto';
import express, { Router } from 'express';
import { z } from 'zod';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { withUpdateDeadline, type RouteDeps } from './updates';
import { instant, line, noticeId, queryText, text } from './schemas';
import { can } from './access';
import { forbidden, HttpError } from './errors';
import { getNotice } from '../db/notices';
import { decodeEvidence, storeEvidenceUploads, user } from './http';
import { getUnit } from '../db/org';
import { attributionAtFacts, getProposal } from '../db/proposals';
import { claimFiring, listFirings } from '../db/triggers';
import { getIncident, INCIDENT_ID_PATTERN } from '../db/incidents';
import { accountabilityTiming } from '../domain/policy';
import { RECORDED_RULES, recordedFiring, TRIGGER_RULES, TriggerRefused } from '../domain/triggers';
import { proposalCreatedUpdate, proposalWorkflowId } from '../workflows/proposal-definitions';
import { SA_STATUS, SA_UNIT } from '../workflows/search-attributes';

const createBody = z.strictObject({
  rule: z.enum(RECORDED_RULES),
  unitId: line(64),
  facts: text(20000),
  factsAt: instant,
  consequences: text(20000).optional(),
  incidentIds: z.array(z.string().regex(INCIDENT_ID_PATTERN)).max(50).optional(),
  noticeIds: z.array(noticeId).max(50).optional(),
  evidence: z
    .array(z.strictObject({ name: line(255), mediaType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/).default('application/octet-stream'), contentBase64: z.base64().min(1) }))
    .max(20)
    .optional(),
});

const listQuery = z.strictObject({
  unitId: queryText(64).optional(),
  rule: z.enum(TRIGGER_RULES).optional(),
  incidentId: queryText(64).optional(),
  noticeId: queryText(64).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const unprocessable = (zh: string, en: string) => new HttpError(422, zh, en);

export function triggerRoutes(deps: RouteDeps): Router {
  const r = Router();
  const { db, temporal } = deps;

  r.get('/', async (req, res) => {
    if (!can(user(res), 'trigger.read')) throw forbidden('无权查看问责触发记录', 'You may not read trigger firings');
    const q = listQuery.parse(req.query);
    res.json({ ...(await listFirings(db, q)), page: q.page, pageSize: q.pageSize });
  });

  // A recorded situation carries its evidence base64-encoded in JSON: this route takes large bodies,
  // as the rectification report does (api/app.ts leaves it out of the small-body limit).
  const evidenceBodyLimit = Math.ceil(deps.evidenceMaxBytes * 20 * 1.37) + 256 * 1024;
  r.post('/', express.json({ limit: evidenceBodyLimit }), async (req, res) => {
    const u = user(res);
    if (!can(u, 'trigger.record')) throw forbidden('只有领导小组办公室可以认定问责情形', 'Only the office records accountability situations');
    const body = createBody.parse(req.body);
    const policy = deps.policy.triggers;
    const enabled = body.rule === 'unrectified_after_chain' ? policy.unrectified_after_chain.enabled : policy.recorded.enabled;
    if (!enabled) throw new HttpError(409, '该触发规则已在策略中关闭', 'This trigger rule is switched off in the policy');
    const unit = await getUnit(db, body.unitId);
    if (!unit) throw unprocessable(`单位 ${body.unitId} 不存在`, `Unit ${body.unitId} does not exist`);
    const now = new Date();
    if (Date.parse(body.factsAt) > now.getTime()) throw unprocessable('事实发生时间不能晚于当前时间', 'The facts cannot lie in the future');
    for (const id of body.incidentIds ?? []) {
      const i = await getIncident(db, id);
      if (!i || i.state.unitId !== body.unitId) throw unprocessable(`事件 ${id} 不存在或不属于该单位`, `Incident ${id} does not exist or belongs to another unit`);
    }
    for (const id of body.noticeIds ?? []) {
      const n = await getNotice(db, id);
      if (!n || n.state.unitId !== body.unitId) throw unprocessable(`通知 ${id} 不存在或不属于该单位`, `Notice ${id} does not exist or belongs to another unit`);
    }
    const mainNotice = body.rule === 'unrectified_after_chain' ? (body.noticeIds ?? [])[0] : undefined;
    const n = mainNotice ? await getNotice(db, mainNotice) : null;
    const uploads = (body.evidence ?? []).map((e) => decodeEvidence(e, deps.evidenceMaxBytes));
    const evidence = uploads.map((f) => ({ name: f.name, sha256: f.sha256 }));
    let plan;
    try {
      plan = recordedFiring(
        { ...body, incidentIds: body.incidentIds ?? [], noticeIds: body.noticeIds ?? [], evidence },
        (t) => crypto.createHash('sha256').update(t).digest('hex').slice(0, 32),
        n ? { id: n.state.id, unitId: n.state.unitId, title: n.state.title, status: n.state.status, escalations: n.state.escalations } : undefined,
      );
    } catch (err) {
      if (err instanceof TriggerRefused) throw unprocessable(err.zh, err.en);
      throw err;
    }
    await storeEvidenceUploads(db, uploads, u.id);
    const { proposalId, existing } = await claimFiring(db, plan, u.id, deps.idPrefix);
    // The firing may be recorded while its draft is not (a crash in between): start it then. A
    // proposal recorded once is never started again.
    if (!(await getProposal(db, proposalId))) {
      const attribution = await attributionAtFacts(db, plan.unitId, new Date(plan.factsAt), []);
      await withUpdateDeadline(deps, () =>
        temporal.workflow.executeUpdateWithStart(proposalCreatedUpdate, {
          args: [],
          startWorkflowOperation: new WithStartWorkflowOperation('proposalWorkflow', {
            workflowId: proposalWorkflowId(proposalId),
            taskQueue: deps.taskQueue,
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: [
              { key: SA_UNIT, value: plan.unitId },
              { key: SA_STATUS, value: 'draft' },
            ],
            args: [
              {
                id: proposalId,
                unitId: plan.unitId,
                trigger: plan.trigger,
                facts: plan.text,
                factsAt: new Date(Date.parse(plan.factsAt)).toISOString(),
                noticeIds: plan.noticeIds,
                evidence: plan.evidence,
                origin: { kind: 'trigger', rule: plan.rule, article: plan.article, dedupeKey: plan.dedupeKey, facts: plan.facts, incidentIds: plan.incidentIds, firedBy: u.id },
                attribution,
                createdAt: now.toISOString(),
                createdBy: { id: u.id, name: u.name },
                timing: accountabilityTiming(deps.policy),
              },
            ],
          }),
        }),
      );
    }
    res.setHeader('Location', `/api/accountability-proposals/${proposalId}`);
    res.status(existing ? 200 : 201).json({ proposalId, dedupeKey: plan.dedupeKey, rule: plan.rule, article: plan.article, existing });
  });

  return r;
}
