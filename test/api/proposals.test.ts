/**
 * Accountability proposals (问责建议) end to end: HTTP → express → Temporal update → proposal
 * workflow → record activity → database → HTTP, with a real worker and a real Temporal dev server.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { createProposalActivities } from '../../activities/proposals';
import { importOrg, loadOrgFile } from '../../db/org';
import { listOutcomes } from '../../db/proposals';
import type { ProposalInput, ProposalState } from '../../domain/accountability';
import { accountabilityTiming } from '../../domain/policy';
import { proposalCreatedUpdate, proposalWorkflowId } from '../../workflows/proposal-definitions';
import { fastPolicy, SMALL_ORG, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const OFFICE_EN = 'p-lin-tao';
const LEADER = 'p-zhao-hongyu';
const SECRETARY = 'p-wang-jianguo';
const PARTY = 'p-liu-chang';
const DISCIPLINE = 'p-he-yun';
const INSPECTOR = 'p-guo-fang';
const AUDITOR = 'p-ma-xiaodong';
const CS_LIAISON = 'p-li-na';
const CS_DIRECT = 'p-liu-yang';
const CS_FIRST = 'p-zhang-wei';
/** cs's principal (院长): with the secretary, a main leader (Art. 8). */
const CS_PRINCIPAL = 'p-qian-hao';
const CS_MEMBER = 'p-liu-wei';
const CS_SUPERVISOR = 'p-zhou-wenbin';
const YANG = 'p-yang-fan';
const MA = 'p-ma-jun';

const URL = '/api/accountability-proposals';

interface Message {
  kind: string;
  subject: string;
  body: string;
  link: string;
}

function client(s: Stack, personId: string) {
  const auth = async () => `Bearer ${await s.tokens.sign(personId)}`;
  return {
    get: async (url: string) => request(s.app).get(url).set('Authorization', await auth()),
    post: async (url: string, body: object = {}) => request(s.app).post(url).set('Authorization', await auth()).send(body),
    patch: async (url: string, body: object) => request(s.app).patch(url).set('Authorization', await auth()).send(body),
  };
}

async function inbox(s: Stack, personId: string, proposalId: string): Promise<Message[]> {
  const res = await client(s, personId).get('/api/me/inbox?pageSize=100');
  expect(res.status).toBe(200);
  return (res.body.items as Message[]).filter((m) => m.link.endsWith(`/accountability-proposals/${proposalId}`));
}

const draftBody = (over: object = {}) => ({
  unitId: 'cs',
  trigger: 'outage_6h',
  facts: '学院门户网站遭受攻击，未及时处置，中断8小时，影响严重。',
  // Now: the stack's organisation was imported moments ago, and nobody held a role before.
  factsAt: new Date().toISOString(),
  partiesConcerned: [MA],
  ...over,
});

/** Measures for the party concerned and the cybersecurity responsible person, with reasons. */
const measures = {
  individuals: [
    { personId: MA, measure: 'admonishment', reason: '未按要求及时处置攻击事件' },
    { personId: CS_DIRECT, measure: 'criticism_education', reason: '未落实网络安全管理责任' },
  ],
};

describe('with the default accountability policy', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(async () => {
    await s?.shutdown();
  });

  async function draft(over: object = {}): Promise<ProposalState & { names: Record<string, string> }> {
    const res = await client(s, OFFICE).post(URL, draftBody(over));
    expect(res.status).toBe(201);
    return res.body;
  }

  test('draft → edit → approval requested → returned → edited → approved → both bodies decide → closed', async () => {
    const evidence = { name: '监测记录.txt', mediaType: 'text/plain', contentBase64: Buffer.from('down 02:00-10:00').toString('base64') };
    const p = await draft({ evidence: [evidence] });
    expect(p.id).toMatch(/^(T[0-9A-F]{8}-)?P\d{4}-\d{4}$/);
    expect(p.status).toBe('draft');
    expect(p.origin).toEqual({ kind: 'office', by: OFFICE });
    // Traced level by level from the organisation at the time of the facts (Art. 7).
    expect(p.attribution.individuals.map((r) => [r.personId, r.responsibility, r.measure])).toEqual([
      [MA, 'party_concerned', null],
      [CS_DIRECT, 'cybersecurity_responsible', null],
      [CS_FIRST, 'principal_responsible', null],
    ]);
    expect(p.attribution.collective).toEqual({ mainLeadership: [CS_FIRST, CS_PRINCIPAL, CS_DIRECT], importantLeadership: [], measures: [] });
    expect(p.names[CS_DIRECT]).toBe('刘洋');
    const url = `${URL}/${p.id}`;

    const file = await client(s, INSPECTOR).get(`${url}/evidence/${p.evidence[0].sha256}`);
    expect(file.status).toBe(200);
    expect(file.text).toBe('down 02:00-10:00');

    // Asking for approval with nothing recommended is refused.
    let res = await client(s, OFFICE).post(`${url}/request-approval`);
    expect(res.status).toBe(422);
    expect(res.body.error).toContain('至少建议一项');

    res = await client(s, OFFICE).patch(url, { collective: { importantLeadership: [CS_LIAISON] } });
    expect(res.status).toBe(422);
    expect(res.body.error).toContain('领导班子成员');

    res = await client(s, OFFICE).patch(url, {
      ...measures,
      collective: { importantLeadership: [CS_MEMBER], measures: [{ measure: 'self_examination', reason: '班子对安全隐患长期未研究部署' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.attribution.individuals.map((r: { measure: string | null }) => r.measure)).toEqual(['admonishment', 'criticism_education', null]);
    expect(res.body.attribution.collective.importantLeadership).toEqual([CS_MEMBER]);

    res = await client(s, OFFICE).post(`${url}/request-approval`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('awaiting_approval');
    expect(res.body.approveBy.explanation.within).toBe('P3D');
    expect(res.body.approveBy.explanation.zh).toContain('问责建议');
    expect((await inbox(s, LEADER, p.id)).map((m) => m.kind)).toEqual(['proposal_approval_requested']);

    // Only the cybersecurity leader approves or returns; a return needs a reason.
    expect((await client(s, OFFICE).post(`${url}/approve`)).status).toBe(403);
    expect((await client(s, SECRETARY).post(`${url}/approve`)).status).toBe(403);
    expect((await client(s, OFFICE).patch(url, { facts: '改' })).status).toBe(409);
    res = await client(s, LEADER).post(`${url}/return`, {});
    expect(res.status).toBe(400);
    res = await client(s, LEADER).post(`${url}/return`, { reason: '事实部分缺少中断时长的监测依据' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('returned');
    expect(res.body.returns).toEqual([expect.objectContaining({ by: LEADER, reason: '事实部分缺少中断时长的监测依据' })]);
    const returned = await inbox(s, OFFICE, p.id);
    expect(returned.find((m) => m.kind === 'proposal_returned')!.body).toContain('退回，理由：事实部分缺少');
    // English for those who prefer it.
    expect((await inbox(s, OFFICE_EN, p.id)).find((m) => m.kind === 'proposal_returned')!.subject).toContain('returned');

    res = await client(s, OFFICE).patch(url, { facts: '学院门户网站遭受攻击，中断8小时（附监测记录）。' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('returned');
    expect((await client(s, OFFICE).post(`${url}/request-approval`)).body.status).toBe('awaiting_approval');
    res = await client(s, LEADER).post(`${url}/approve`, { comment: '同意提交' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('submitted');
    expect(res.body.approval).toMatchObject({ by: LEADER, comment: '同意提交' });
    expect(res.body.decideBy.explanation.within).toBe('P10D');
    for (const member of [PARTY, DISCIPLINE]) {
      expect((await inbox(s, member, p.id)).map((m) => m.kind)).toEqual(['proposal_submitted']);
    }

    // Nothing changes after submission except by a recorded decision.
    res = await client(s, OFFICE).patch(url, { facts: '再改' });
    expect(res.status).toBe(409);
    expect(res.body.error).toContain('已提交党委和纪委');
    expect((await client(s, OFFICE).post(`${url}/request-approval`)).status).toBe(409);
    expect((await client(s, LEADER).post(`${url}/return`, { reason: 'x' })).status).toBe(409);
    expect((await client(s, LEADER).post(`${url}/decision`, { decision: 'accepted' })).status).toBe(403);
    expect((await client(s, OFFICE).post(`${url}/decision`, { decision: 'accepted' })).status).toBe(403);
    res = await client(s, PARTY).post(`${url}/decision`, { body: 'discipline_committee', decision: 'accepted' });
    expect(res.status).toBe(403);
    expect(res.body.error).toContain('纪委');
    res = await client(s, PARTY).post(`${url}/decision`, { decision: 'accepted', reviewOpened: true });
    expect(res.status).toBe(422);

    res = await client(s, PARTY).post(`${url}/decision`, { decision: 'accepted' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('submitted');
    expect(res.body.decisions.party_committee).toMatchObject({ body: 'party_committee', by: PARTY, decision: 'accepted' });
    expect((await client(s, PARTY).post(`${url}/decision`, { decision: 'declined', reason: '改主意' })).status).toBe(409);

    res = await client(s, DISCIPLINE).post(`${url}/decision`, { decision: 'modified', measures: { individuals: [] } });
    expect(res.status).toBe(422);
    expect(res.body.error).toContain('理由');
    res = await client(s, DISCIPLINE).post(`${url}/decision`, {
      decision: 'modified',
      reason: '情节较重，当事人另予纪律处分',
      reviewOpened: true,
      measures: { individuals: [{ personId: MA, measure: 'disciplinary_sanction' }], collective: ['self_examination'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('closed');
    expect(res.body.outcome.reviewOpened).toBe(true);
    expect(res.body.outcome.individuals[0]).toEqual({
      personId: MA,
      responsibility: 'party_concerned',
      proposed: 'admonishment',
      decided: {
        party_committee: { decision: 'accepted', measure: 'admonishment' },
        discipline_committee: { decision: 'modified', measure: 'disciplinary_sanction' },
      },
    });

    // The outcome feeds the annual assessment: per body, one row per person and one for the unit.
    const rows = await listOutcomes(s.db, p.id);
    expect(rows).toHaveLength(8);
    expect(rows.filter((r) => r.body === 'discipline_committee').map((r) => [r.personId, r.responsibility, r.measures])).toEqual([
      [MA, 'party_concerned', ['disciplinary_sanction']],
      [CS_DIRECT, 'cybersecurity_responsible', []],
      [CS_FIRST, 'principal_responsible', []],
      [null, 'collective', ['self_examination']],
    ]);
    expect(rows.find((r) => r.body === 'party_committee' && r.personId === CS_DIRECT)).toMatchObject({
      decision: 'accepted',
      measures: ['criticism_education'],
      reviewOpened: false,
    });
    // Recording again (a retried activity) writes nothing twice.
    const closed = res.body as ProposalState;
    await createProposalActivities({ db: s.db, publicUrl: 'http://x' }).recordProposalOutcome({ state: closed });
    expect(await listOutcomes(s.db, p.id)).toHaveLength(8);

    res = await client(s, OFFICE).post(`${url}/request-approval`);
    expect(res.status).toBe(409);
    expect(res.body.error).toContain('已办结');
    expect((await inbox(s, OFFICE, p.id)).map((m) => m.kind)).toEqual(
      expect.arrayContaining(['proposal_approved', 'proposal_decided', 'proposal_closed']),
    );

    const detail = await client(s, INSPECTOR).get(url);
    expect(detail.status).toBe(200);
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual([
      'created',
      'edited',
      'approval_requested',
      'returned',
      'edited',
      'approval_requested',
      'approved',
      'decided',
      'decided',
      'closed',
    ]);
    expect(detail.body.timeline[3]).toMatchObject({ actorId: LEADER, actorName: '赵宏宇' });
    expect((await s.client.workflow.getHandle(proposalWorkflowId(p.id)).result()).status).toBe('closed');
  });

  test('only the university-level roles read proposals; unit people do not learn they exist', async () => {
    const p = await draft();
    const url = `${URL}/${p.id}`;
    for (const who of [OFFICE, SECRETARY, LEADER, PARTY, DISCIPLINE, INSPECTOR, AUDITOR]) {
      expect([who, (await client(s, who).get(url)).status]).toEqual([who, 200]);
    }
    for (const who of [CS_LIAISON, CS_DIRECT, CS_FIRST, CS_MEMBER, CS_SUPERVISOR, YANG]) {
      expect([who, (await client(s, who).get(url)).status]).toEqual([who, 404]);
      expect([who, (await client(s, who).get(URL)).status]).toEqual([who, 403]);
    }
    expect((await client(s, CS_LIAISON).patch(url, { facts: 'x' })).status).toBe(404);
    expect((await client(s, CS_LIAISON).post(URL, draftBody())).status).toBe(403);
    expect((await client(s, INSPECTOR).patch(url, { facts: 'x' })).status).toBe(403);
    expect((await client(s, INSPECTOR).post(`${url}/request-approval`)).status).toBe(403);
    expect((await client(s, OFFICE).get(`${URL}/P1999-9999`)).status).toBe(404);
    expect((await client(s, OFFICE).get(`${URL}/nonsense`)).status).toBe(404);
    expect((await request(s.app).get(URL)).status).toBe(401);
  });

  test('bad requests get 400 with details, or 422 when the content is refused', async () => {
    let res = await client(s, OFFICE).post(URL, { ...draftBody(), trigger: 'bad_luck', extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['trigger']));
    res = await client(s, OFFICE).post(URL, { ...draftBody(), factsAt: 'yesterday' });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['factsAt']);
    res = await client(s, OFFICE).post(URL, draftBody({ factsAt: new Date(Date.now() + 86400000).toISOString() }));
    expect(res.status).toBe(422);
    expect(res.body.error).toContain('不能晚于当前时间');
    expect((await client(s, OFFICE).post(URL, draftBody({ unitId: 'nope' }))).status).toBe(422);
    expect((await client(s, OFFICE).post(URL, draftBody({ partiesConcerned: ['p-nobody'] }))).status).toBe(422);
    expect((await client(s, OFFICE).post(URL, draftBody({ noticeIds: ['2026-9999'] }))).status).toBe(422);
    // A real notice of the unit links, whatever the deployment's number prefix (the test stack has one).
    const notice = await s.as(OFFICE).post('/api/notices', {
      unitId: 'cs',
      title: '关联通知',
      category: 'other',
      severity: 'low',
      description: '被问责建议引用的通知',
    });
    expect(notice.body.id).toMatch(/^[A-Z][A-Z0-9]*-\d{4}-\d{4}$/);
    const linked = await client(s, OFFICE).post(URL, draftBody({ noticeIds: [notice.body.id] }));
    expect(linked.status).toBe(201);
    expect(linked.body.noticeIds).toEqual([notice.body.id]);
    expect((await client(s, OFFICE).post(URL, draftBody({ evidence: [{ name: 'a', sha256: 'f'.repeat(64) }] }))).status).toBe(422);

    const p = await draft();
    const url = `${URL}/${p.id}`;
    res = await client(s, OFFICE).patch(url, { individuals: [{ personId: MA, measure: 'exile' }] });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('individuals.0.measure');
    res = await client(s, OFFICE).patch(url, { individuals: [{ personId: YANG, measure: 'admonishment', reason: 'x' }] });
    expect(res.status).toBe(422);
    expect(res.body.error).toContain('不在本建议的责任人中');
    expect((await client(s, OFFICE).patch(url, {})).status).toBe(422);
    // A party concerned added and given a measure in one edit.
    res = await client(s, OFFICE).patch(url, {
      partiesConcerned: [MA, YANG],
      individuals: [{ personId: YANG, measure: 'criticism_education', reason: '违规开放端口' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.attribution.individuals.map((r: { personId: string }) => r.personId)).toEqual([MA, YANG, CS_DIRECT, CS_FIRST]);
    expect((await client(s, OFFICE).post(`${url}/request-approval`)).status).toBe(200);
    res = await client(s, LEADER).post(`${url}/approve`, { comment: 1 });
    expect(res.status).toBe(400);
    expect((await client(s, LEADER).post(`${url}/approve`)).status).toBe(200);
    res = await client(s, PARTY).post(`${url}/decision`, { decision: 'maybe' });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('decision');
    res = await client(s, PARTY).post(`${url}/decision`, { decision: 'declined' });
    expect(res.status).toBe(422);
  });

  test('lists filter by status, unit and trigger, with paging; Idempotency-Key returns the same proposal', async () => {
    const a = await draft({ trigger: 'mining' });
    const b = await draft({ trigger: 'mining', unitId: 'ito', partiesConcerned: [] });
    let res = await client(s, INSPECTOR).get(`${URL}?trigger=mining&pageSize=100`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((x: { id: string }) => x.id)).toEqual([b.id, a.id]);
    expect(res.body.total).toBe(2);
    res = await client(s, OFFICE).get(`${URL}?trigger=mining&unitId=ito`);
    expect(res.body.items.map((x: { id: string }) => x.id)).toEqual([b.id]);
    expect(res.body.items[0]).toMatchObject({ unitName: '信息化处', status: 'draft', originKind: 'office' });
    res = await client(s, OFFICE).get(`${URL}?status=draft&pageSize=1&page=2`);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.total).toBeGreaterThanOrEqual(2);
    expect((await client(s, OFFICE).get(`${URL}?status=bogus`)).status).toBe(400);
    expect((await client(s, OFFICE).get(`${URL}?colour=red`)).status).toBe(400);

    const token = `Bearer ${await s.tokens.sign(OFFICE)}`;
    const body = draftBody({ trigger: 'data_leak' });
    const post = () => request(s.app).post(URL).set('Authorization', token).set('Idempotency-Key', 'proposal-abc-123');
    const first = await post().send(body);
    const again = await post().send(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await post().send({ ...body, facts: '另一件事' })).status).toBe(409);
  });

  test('a proposal started by another workflow: number once per source key, org at the time of the facts', async () => {
    const acts = createProposalActivities({ db: s.db, publicUrl: 'http://cyberduty.test' });
    const factsAt = new Date().toISOString();
    // Test files share the Temporal namespace: a prefix of its own keeps this workflow id apart.
    const idPrefix = `TX${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
    const req = { unitId: 'lib', factsAt, partiesConcerned: [], sourceKey: 'escalation:2026-0042:3', idPrefix };
    const first = await acts.prepareProposal(req);
    const retry = await acts.prepareProposal(req);
    expect(retry.id).toBe(first.id);
    expect(first.id).toMatch(new RegExp(`^${idPrefix}-P\\d{4}-\\d{4}$`));
    // The library has no direct responsible person: the trace goes on to its first responsible.
    expect(first.attribution.individuals.map((r) => [r.personId, r.responsibility])).toEqual([['p-ye-ting', 'principal_responsible']]);
    await expect(acts.prepareProposal({ ...req, sourceKey: 'escalation:x', partiesConcerned: ['p-nobody'] })).rejects.toThrow(/unknown persons/);

    const input: ProposalInput = {
      id: first.id,
      unitId: 'lib',
      trigger: 'concealment_or_unrectified',
      facts: '通报的高危漏洞逾期未整改，逐级上报至党委书记',
      factsAt,
      noticeIds: [],
      evidence: [],
      origin: { kind: 'escalation', noticeId: '2026-0042', level: 3, leaderId: SECRETARY },
      attribution: first.attribution,
      createdAt: new Date().toISOString(),
      createdBy: { id: SECRETARY, name: '王建国' },
      timing: accountabilityTiming(s.policy),
    };
    await s.client.workflow.executeUpdateWithStart(proposalCreatedUpdate, {
      args: [],
      startWorkflowOperation: new WithStartWorkflowOperation('proposalWorkflow', {
        workflowId: proposalWorkflowId(first.id),
        taskQueue: s.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    const res = await client(s, OFFICE).get(`${URL}/${first.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'draft', origin: { kind: 'escalation', level: 3 } });
    expect(res.body.timeline[0]).toMatchObject({ type: 'created', actorId: SECRETARY });
    await eventually(async () => (await inbox(s, OFFICE, first.id)).some((m) => m.kind === 'proposal_drafted'), 10000, 'drafted message');
  });

  // Last in this stack: it changes the organisation.
  test('the attribution names who held the role at the time of the facts, not who holds it now', async () => {
    const before = new Date(Date.now() - 200).toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-org-'));
    const changed = path.join(dir, 'org-changed.yaml');
    const text = fs.readFileSync(SMALL_ORG, 'utf8');
    expect(text).toContain(`directResponsible: ${CS_DIRECT}`);
    fs.writeFileSync(changed, text.replace(`directResponsible: ${CS_DIRECT}`, `directResponsible: ${YANG}`));
    await importOrg(s.db, loadOrgFile(changed), { source: 'test: cs direct responsible changed', now: new Date() });

    const old = await draft({ factsAt: before, partiesConcerned: [] });
    expect(old.attribution.individuals.map((r) => [r.personId, r.responsibility])).toEqual([
      [CS_DIRECT, 'cybersecurity_responsible'],
      [CS_FIRST, 'principal_responsible'],
    ]);
    expect(old.attribution.collective!.mainLeadership).toEqual([CS_FIRST, CS_PRINCIPAL, CS_DIRECT]);

    const recent = await draft({ factsAt: new Date().toISOString(), partiesConcerned: [] });
    expect(recent.attribution.individuals.map((r) => r.personId)).toEqual([YANG, CS_FIRST]);
  });
});

describe('with second-scale accountability windows', () => {
  let s: Stack;
  beforeAll(async () => {
    // Approve within 3 s and decide within 4 s, a reminder 1 s before each; then once per window.
    s = await startStack({
      policy: { ...fastPolicy(), accountability: { approveWithin: 'PT3S', decideWithin: 'PT4S', workingDays: false, reminders: ['PT1S'] } },
    });
  });
  afterAll(async () => {
    await s?.shutdown();
  });

  test('reminders reach whoever holds the proposal: the leader, then the bodies yet to decide', async () => {
    let res = await client(s, OFFICE).post(URL, draftBody());
    const id = res.body.id as string;
    const url = `${URL}/${id}`;
    expect((await client(s, OFFICE).patch(url, measures)).status).toBe(200);
    expect((await client(s, OFFICE).post(`${url}/request-approval`)).status).toBe(200);

    const leaderMessages = await eventually(
      async () => {
        const m = (await inbox(s, LEADER, id)).filter((x) => x.kind === 'proposal_reminder');
        return m.length >= 2 && m;
      },
      20000,
      'reminders to the leader',
    );
    expect(leaderMessages.map((m) => m.subject)).toEqual(expect.arrayContaining([expect.stringContaining('办理期限提醒'), expect.stringContaining('已超过办理期限')]));

    res = await client(s, LEADER).post(`${url}/approve`);
    expect(res.status).toBe(200);
    res = await client(s, PARTY).post(`${url}/decision`, { decision: 'accepted' });
    expect(res.status).toBe(200);

    await eventually(
      async () => (await inbox(s, DISCIPLINE, id)).filter((x) => x.kind === 'proposal_reminder').length >= 2,
      20000,
      'reminders to the discipline committee',
    );
    // The party committee has decided: it is not reminded.
    expect((await inbox(s, PARTY, id)).filter((x) => x.kind === 'proposal_reminder')).toEqual([]);
    const timeline = (await client(s, OFFICE).get(url)).body.timeline as Array<{ type: string; data: { stage?: string; holders?: string[] } }>;
    const decideReminders = timeline.filter((e) => e.type === 'reminder_sent' && e.data.stage === 'decide');
    expect(decideReminders.length).toBeGreaterThanOrEqual(2);
    expect(decideReminders.every((e) => JSON.stringify(e.data.holders) === JSON.stringify(['discipline_committee']))).toBe(true);

    res = await client(s, DISCIPLINE).post(`${url}/decision`, { decision: 'declined', reason: '证据不足' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('closed');
  });
});
