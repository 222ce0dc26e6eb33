/**
 * /api/accountability-proposals (问责建议, Art. 7–8): the office drafts a proposal (starts its
 * workflow), edits it and asks for approval; the university leader in charge of cybersecurity
 * approves (submits it to the Party Committee and the Discipline Committee) or returns it; each body
 * records its decision. Reads come from the database projection; every action is a Temporal update
 * and the answer is what the database holds once the workflow has recorded the step.
 *
 * These are decisions about people: only the university-level roles read them (api/access.ts);
 * for anyone else a proposal does not exist (404).
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { withUpdateDeadline, type RouteDeps } from './updates';
import { instant, line, noticeId, optionalText, queryText, text } from './schemas';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { getNotice } from '../db/notices';
import { getPeople, getUnit, getUnitRoleHolders } from '../db/org';
import {
  allocateProposalId,
  attributionAtFacts,
  getProposal,
  getProposalTimeline,
  listProposals,
  PROPOSAL_ID_PATTERN,
  storedEvidence,
} from '../db/proposals';
import {
  BODIES,
  BODY_LABELS,
  COLLECTIVE_MEASURES,
  DECISIONS,
  INDIVIDUAL_MEASURES,
  PROPOSAL_STATUSES,
  PROPOSAL_STATUS_LABELS,
  TRIGGERS,
  checkEdit,
  checkProposalInput,
  isOwnProposal,
  type Body,
  type ProposalActor,
  type ProposalEvidence,
  type ProposalInput,
  type ProposalState,
} from '../domain/accountability';
import { computeDeadline, type Deadline } from '../domain/deadlines';
import { ID_PATTERN } from '../domain/org';
import { accountabilityTiming } from '../domain/policy';
import { checkFactsWithin } from '../domain/time-bounds';
import {
  proposalApproveUpdate,
  proposalCreatedUpdate,
  proposalDecideUpdate,
  proposalEditUpdate,
  proposalRequestApprovalUpdate,
  proposalReturnUpdate,
  proposalWorkflowId,
} from '../workflows/proposal-definitions';
import { SA_STATUS, SA_UNIT } from '../workflows/search-attributes';
import { can, type Action, type CurrentUser } from './access';
import { forbidden, HttpError, notFound } from './errors';
import { decodeEvidence, idempotencyKey, requestDigest, sendEvidence, storeEvidenceUploads, user, withIdempotency } from './http';

const personId = z.string().regex(ID_PATTERN, 'a person id');
const proposalIdParam = z.string().regex(PROPOSAL_ID_PATTERN);

/** Evidence: a file already stored (e.g. from a notice's rectification report), or a small upload. */
const evidenceItem = z.union([
  z.strictObject({ name: line(255), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex') }),
  z.strictObject({
    name: line(255),
    mediaType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'a media type such as application/pdf').default('application/octet-stream'),
    contentBase64: z.base64().min(1),
  }),
]);
type EvidenceItem = z.output<typeof evidenceItem>;

const createBody = z.strictObject({
  unitId: line(64),
  trigger: z.enum(TRIGGERS),
  facts: text(20000),
  factsAt: instant,
  noticeIds: z.array(noticeId).max(50).optional(),
  evidence: z.array(evidenceItem).max(20).optional(),
  partiesConcerned: z.array(personId).max(50).optional(),
});

const reason = optionalText(5000);

const editBody = z.strictObject({
  trigger: z.enum(TRIGGERS).optional(),
  facts: text(20000).optional(),
  partiesConcerned: z.array(personId).max(50).optional(),
  individuals: z
    .array(z.strictObject({ personId, measure: z.enum(INDIVIDUAL_MEASURES).nullable(), reason: reason.optional() }))
    .max(100)
    .optional(),
  collective: z
    .strictObject({
      importantLeadership: z.array(personId).max(50).optional(),
      measures: z.array(z.strictObject({ measure: z.enum(COLLECTIVE_MEASURES), reason })).max(COLLECTIVE_MEASURES.length).optional(),
    })
    .optional(),
  evidence: z.array(evidenceItem).max(20).optional(),
  noticeIds: z.array(noticeId).max(50).optional(),
  /** Art. 8: individual and/or collective responsibility, who bears main and important leadership responsibility; with a reason. */
  attribution: z
    .strictObject({
      reason: text(5000),
      kinds: z.enum(['individual', 'collective', 'both']).optional(),
      mainLeadership: z.array(personId).max(20).optional(),
      importantLeadership: z.array(personId).max(50).optional(),
    })
    .optional(),
});

/** The unit's leadership at the time of the facts: who may bear leadership responsibility. */
const LEADERSHIP_ROLES = ['first_responsible', 'principal', 'direct_responsible', 'leadership_member'] as const;

const approveBody = z.strictObject({ comment: reason.optional() });
const returnBody = z.strictObject({ reason: text(5000) });
const decisionBody = z.strictObject({
  /** Needed only from a person who sits on both bodies. */
  body: z.enum(BODIES).optional(),
  decision: z.enum(DECISIONS),
  measures: z
    .strictObject({
      individuals: z.array(z.strictObject({ personId, measure: z.enum(INDIVIDUAL_MEASURES).nullable() })).max(100).optional(),
      collective: z.array(z.enum(COLLECTIVE_MEASURES)).max(COLLECTIVE_MEASURES.length).optional(),
    })
    .optional(),
  reason: reason.optional(),
  reviewOpened: z.boolean().optional(),
});

const listQuery = z.strictObject({
  status: z.enum(PROPOSAL_STATUSES).optional(),
  unitId: queryText(64).optional(),
  trigger: z.enum(TRIGGERS).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const NOT_FOUND = ['找不到该问责建议', 'No such accountability proposal'] as const;

function actorFor(u: CurrentUser, capacity: ProposalActor['capacity']): ProposalActor {
  return { id: u.id, name: u.name, capacity, roles: { university: u.university, units: u.units } };
}

const unprocessable = (zh: string, en: string) => new HttpError(422, zh, en);

export function proposalRoutes(deps: RouteDeps): Router {
  const r = Router();
  const { db, temporal } = deps;

  /** Loads a proposal the user may read (404 otherwise: its existence is not disclosed). */
  async function loadVisible(res: Response, rawId: string, action: Action = 'proposal.read') {
    const id = proposalIdParam.safeParse(rawId);
    if (!id.success) throw notFound(...NOT_FOUND);
    const found = await getProposal(db, id.data);
    // Readers per the access table, and the leaders of the escalation it came from (own items).
    if (!found || !(can(user(res), 'proposal.read') || isOwnProposal(found.state, user(res).id))) throw notFound(...NOT_FOUND);
    if (action !== 'proposal.read' && !can(user(res), action)) throw forbidden();
    if (action !== 'proposal.read' && (found.state.status === 'closed' || found.state.status === 'not_created')) {
      const s = PROPOSAL_STATUS_LABELS[found.state.status];
      throw new HttpError(409, `该问责建议${s.zh}，不能再办理`, `The proposal is ${s.en}; nothing more can be done`);
    }
    return found;
  }

  async function respond(res: Response, id: string, status = 200) {
    const found = await getProposal(db, id);
    if (!found) throw notFound(...NOT_FOUND);
    res.status(status).json(await view(found.state, found.unitName));
  }

  /** The state, with the unit's and the persons' names and the timeline. */
  async function view(state: ProposalState, unitName: string) {
    const a = state.attribution;
    const ids = [...a.individuals.map((i) => i.personId), ...(a.collective?.mainLeadership ?? []), ...(a.collective?.importantLeadership ?? [])];
    const people = await getPeople(db, ids);
    return {
      ...state,
      unitName,
      names: Object.fromEntries(people.map((p) => [p.id, p.name])),
      timeline: await getProposalTimeline(db, state.id),
    };
  }

  function handle(id: string) {
    return temporal.workflow.getHandle(proposalWorkflowId(id));
  }

  async function checkPeople(ids: string[]) {
    const known = await getPeople(db, ids);
    const unknown = ids.filter((id) => !known.some((p) => p.id === id));
    if (unknown.length) throw unprocessable(`人员不存在：${unknown.join('、')}`, `Unknown persons: ${unknown.join(', ')}`);
  }

  async function checkNotices(unitId: string, ids: string[]) {
    for (const id of ids) {
      const n = await getNotice(db, id);
      if (!n || n.state.unitId !== unitId) throw unprocessable(`通知 ${id} 不存在或不属于该单位`, `Notice ${id} does not exist or belongs to another unit`);
    }
  }

  /**
   * Checks the evidence without writing anything: references must be stored, uploads within the size
   * limit. Returns name + hash for each, and the uploads to store once everything else is checked.
   */
  async function prepareEvidence(items: EvidenceItem[]): Promise<{ evidence: ProposalEvidence[]; uploads: Array<{ content: Buffer; mediaType: string }> }> {
    const evidence: ProposalEvidence[] = [];
    const uploads: Array<{ content: Buffer; mediaType: string }> = [];
    const refs = items.flatMap((e) => ('sha256' in e ? [e.sha256] : []));
    const stored = await storedEvidence(db, refs);
    for (const e of items) {
      if ('sha256' in e) {
        if (!stored.has(e.sha256)) throw unprocessable(`佐证材料“${e.name}”不存在`, `Evidence "${e.name}" is not stored`);
        evidence.push({ name: e.name, sha256: e.sha256 });
        continue;
      }
      const upload = decodeEvidence(e, deps.evidenceMaxBytes);
      uploads.push(upload);
      evidence.push({ name: e.name, sha256: upload.sha256 });
    }
    return { evidence, uploads };
  }

  function deadline(stage: 'approve' | 'decide', from: Date): Deadline {
    const a = deps.policy.accountability;
    return computeDeadline({
      from,
      within: stage === 'approve' ? a.approveWithin : a.decideWithin,
      workingDays: a.workingDays,
      calendar: deps.calendar,
      label:
        stage === 'approve'
          ? { zh: '策略（问责建议·校领导审批）', en: 'policy (accountability proposal, approval)' }
          : { zh: '策略（问责建议·党委和纪委决定）', en: 'policy (accountability proposal, decision by the bodies)' },
    });
  }

  r.get('/', async (req, res) => {
    if (!can(user(res), 'proposal.read')) throw forbidden('无权查看问责建议', 'You may not read accountability proposals');
    const q = listQuery.parse(req.query);
    const { items, total } = await listProposals(db, q);
    res.json({ items, total, page: q.page, pageSize: q.pageSize });
  });

  r.get('/:id', async (req, res) => {
    const found = await loadVisible(res, req.params.id);
    res.json(await view(found.state, found.unitName));
  });

  r.get('/:id/evidence/:sha256', async (req, res) => {
    const found = await loadVisible(res, req.params.id);
    await sendEvidence(db, res, found.state.evidence.find((e) => e.sha256 === req.params.sha256));
  });

  r.post('/', async (req, res) => {
    const u = user(res);
    if (!can(u, 'proposal.create')) throw forbidden('只有领导小组办公室可以提出问责建议', 'Only the office can propose accountability');
    const body = createBody.parse(req.body);
    checkFactsWithin(deps.policy, 'factsAt', body.factsAt, Date.now());
    const unit = await getUnit(db, body.unitId);
    if (!unit) throw unprocessable(`单位 ${body.unitId} 不存在`, `Unit ${body.unitId} does not exist`);
    const parties = body.partiesConcerned ?? [];
    await checkPeople(parties);
    await checkNotices(body.unitId, body.noticeIds ?? []);
    const key = idempotencyKey(req);
    const now = new Date();
    const factsAt = new Date(body.factsAt);
    const attribution = await attributionAtFacts(db, body.unitId, factsAt, parties);
    // Checked before a number is allocated: a refused request leaves no gap in the numbering.
    const draft: Omit<ProposalInput, 'id' | 'evidence'> = {
      unitId: body.unitId,
      trigger: body.trigger,
      facts: body.facts,
      factsAt: factsAt.toISOString(),
      noticeIds: body.noticeIds ?? [],
      origin: { kind: 'office', by: u.id },
      attribution,
      createdAt: now.toISOString(),
      createdBy: { id: u.id, name: u.name },
      timing: accountabilityTiming(deps.policy),
    };
    checkProposalInput({ ...draft, id: '', evidence: [] }, now.getTime());
    const prepared = await prepareEvidence(body.evidence ?? []);
    const allocated = await withIdempotency({ zh: '问责建议', en: 'proposal' }, () =>
      allocateProposalId(db, now.getUTCFullYear(), key === undefined ? undefined : `api:${key}`, requestDigest(body), deps.idPrefix),
    );
    res.setHeader('Location', `/api/accountability-proposals/${allocated.id}`);
    // A repeat of a request already carried out: answer with what exists, never start it again.
    if (allocated.existing && (await getProposal(db, allocated.id))) return respond(res, allocated.id, 200);
    await storeEvidenceUploads(db, prepared.uploads, u.id);
    const input: ProposalInput = { ...draft, id: allocated.id, evidence: prepared.evidence };
    const started = await withUpdateDeadline(deps, () => temporal.workflow.executeUpdateWithStart(proposalCreatedUpdate, {
      args: [],
      startWorkflowOperation: new WithStartWorkflowOperation('proposalWorkflow', {
        workflowId: proposalWorkflowId(allocated.id),
        taskQueue: deps.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: SA_UNIT, value: body.unitId },
          { key: SA_STATUS, value: 'draft' },
        ],
      }),
    }));
    // A workflow with this id that is not this proposal (another deployment sharing the namespace
    // with the same numbering) must never be taken for it.
    if (started.unitId !== input.unitId || started.facts !== input.facts || started.factsAt !== input.factsAt) {
      throw new HttpError(409, `编号 ${allocated.id} 的流程已存在且内容不同`, `A different process already uses number ${allocated.id}`);
    }
    await respond(res, allocated.id, allocated.existing ? 200 : 201);
  });

  r.patch('/:id', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'proposal.edit');
    const body = editBody.parse(req.body);
    const s = found.state;
    if (body.partiesConcerned) await checkPeople(body.partiesConcerned);
    if (body.noticeIds) await checkNotices(s.unitId, body.noticeIds);
    if (body.collective?.importantLeadership?.length) {
      // Important leadership responsibility: members of the unit's leadership team at the time of the facts.
      const members = await getUnitRoleHolders(db, s.unitId, 'leadership_member', new Date(s.factsAt));
      const outside = body.collective.importantLeadership.filter((p) => !members.includes(p));
      if (outside.length) {
        throw unprocessable(
          `${outside.join('、')} 在事实发生时不是该单位领导班子成员`,
          `${outside.join(', ')} did not sit on the unit's leadership team at the time of the facts`,
        );
      }
    }
    let restore: ProposalState['attribution'] | undefined;
    if (body.attribution) {
      // Main and important leadership responsibility: only people on the unit's leadership when the facts happened.
      const at = new Date(s.factsAt);
      const leadership = new Set((await Promise.all(LEADERSHIP_ROLES.map((role) => getUnitRoleHolders(db, s.unitId, role, at)))).flat());
      const named = [...(body.attribution.mainLeadership ?? []), ...(body.attribution.importantLeadership ?? [])];
      const outside = named.filter((p) => !leadership.has(p));
      if (outside.length) {
        throw unprocessable(
          `${outside.join('、')} 在事实发生时不是该单位领导班子成员`,
          `${outside.join(', ')} did not sit on the unit's leadership team at the time of the facts`,
        );
      }
      // To bring back a part an earlier edit left out: the default at the time of the facts.
      const parties = s.attribution.individuals.filter((r) => r.responsibility === 'party_concerned').map((r) => r.personId);
      if (body.attribution.kinds) restore = await attributionAtFacts(db, s.unitId, at, parties);
    }
    const { evidence, attribution, ...rest } = body;
    const prepared = evidence ? await prepareEvidence(evidence) : undefined;
    const edit = {
      ...rest,
      ...(prepared ? { evidence: prepared.evidence } : {}),
      ...(attribution ? { attribution: { ...attribution, ...(restore ? { restore } : {}) } } : {}),
    };
    // The workflow's own rule, on the proposal as recorded, before a file is stored: an edit it would
    // refuse (after submission, nothing to change) leaves nothing behind. Its validator still decides.
    checkEdit(s, actorFor(user(res), 'office'), edit);
    if (prepared) await storeEvidenceUploads(db, prepared.uploads, user(res).id);
    await withUpdateDeadline(deps, () => handle(s.id).executeUpdate(proposalEditUpdate, { args: [{ actor: actorFor(user(res), 'office'), edit }] }));
    await respond(res, s.id);
  });

  r.post('/:id/request-approval', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'proposal.edit');
    z.strictObject({}).parse(req.body ?? {});
    await withUpdateDeadline(deps, () =>
      handle(found.state.id).executeUpdate(proposalRequestApprovalUpdate, {
        args: [{ actor: actorFor(user(res), 'office'), due: deadline('approve', new Date()) }],
      }),
    );
    await respond(res, found.state.id);
  });

  r.post('/:id/approve', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'proposal.approve');
    const body = approveBody.parse(req.body ?? {});
    await withUpdateDeadline(deps, () =>
      handle(found.state.id).executeUpdate(proposalApproveUpdate, {
        args: [{ actor: actorFor(user(res), 'cybersecurity_leader'), comment: body.comment, due: deadline('decide', new Date()) }],
      }),
    );
    await respond(res, found.state.id);
  });

  r.post('/:id/return', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'proposal.approve');
    const body = returnBody.parse(req.body);
    await withUpdateDeadline(deps, () =>
      handle(found.state.id).executeUpdate(proposalReturnUpdate, {
        args: [{ actor: actorFor(user(res), 'cybersecurity_leader'), reason: body.reason }],
      }),
    );
    await respond(res, found.state.id);
  });

  r.post('/:id/decision', async (req, res) => {
    const found = await loadVisible(res, req.params.id, 'proposal.decide');
    const { body: asked, ...decision } = decisionBody.parse(req.body);
    const u = user(res);
    const held = BODIES.filter((b) => u.university.includes(b));
    let body: Body;
    if (asked) {
      if (!held.includes(asked)) {
        throw forbidden(`您不是${BODY_LABELS[asked].zh}成员`, `You are not a member of the ${BODY_LABELS[asked].en}`);
      }
      body = asked;
    } else if (held.length === 1) {
      body = held[0];
    } else {
      throw unprocessable('您同时是学校党委和纪委成员，请用 body 指明代表哪个机关决定', 'You sit on both bodies: say with `body` which one decides');
    }
    await withUpdateDeadline(deps, () =>
      handle(found.state.id).executeUpdate(proposalDecideUpdate, {
        args: [{ actor: actorFor(u, body), decision: { ...decision, body } }],
      }),
    );
    await respond(res, found.state.id);
  });

  return r;
}
