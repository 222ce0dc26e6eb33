/**
 * The whole role × endpoint matrix through HTTP, generated from the endpoint registry
 * (api/endpoints.ts) and the access table (domain/access.ts): for every endpoint and a person of every
 * role — of the unit the target belongs to (`cs`), of another unit (`ito`), with no role at all, and
 * nobody (no token) — the answer is exactly what the table allows: 2xx, 401, 403 or 404. Requests
 * are valid and targets are in the state the action needs (a fresh one for each allowed call that
 * changes it), so the person is the only variable. And lists never show another unit's items, in
 * their pages or in their totals.
 */
import crypto from 'node:crypto';
import type { Response } from 'supertest';
import { ENDPOINTS, expectedAnswer, type Endpoint, type TargetFacts } from '../../api/endpoints';
import type { CurrentUser } from '../../domain/access';
import { can } from '../../domain/access';
import { getPersonRoles, importOrg, loadOrgFile } from '../../db/org';
import { putRobot } from '../../notifications/robots';
import { SMALL_ORG, startStack, type Stack } from '../support/stack';
import {
  call,
  extensionBody,
  inParallel,
  noticeBody,
  OFFICE,
  proposalBody,
  reportBody,
  targets,
  type EscalationRef,
  type NoticeRef,
  type ProposalRef,
  closingReportBody,
  incidentBody,
  incidentTargets,
  systemBody,
  type IncidentRef,
} from '../support/targets';

/** A person of each role (the small organisation), and which side of the `cs` targets they are on. */
const PEOPLE: ReadonlyArray<{ id: string; role: string; side: 'university' | 'cs (own unit)' | 'ito (other unit)' | 'no role' }> = [
  { id: 'p-chen-jing', role: 'office', side: 'university' },
  { id: 'p-wang-jianguo', role: 'party_secretary', side: 'university' },
  { id: 'p-zhao-hongyu', role: 'cybersecurity_leader', side: 'university' },
  { id: 'p-liu-chang', role: 'party_committee', side: 'university' },
  { id: 'p-he-yun', role: 'discipline_committee', side: 'university' },
  { id: 'p-guo-fang', role: 'inspection_office', side: 'university' },
  { id: 'p-ma-xiaodong', role: 'audit_office', side: 'university' },
  { id: 'p-zhou-wenbin', role: 'supervising_leader', side: 'cs (own unit)' },
  { id: 'p-zhang-wei', role: 'first_responsible', side: 'cs (own unit)' },
  { id: 'p-liu-yang', role: 'direct_responsible', side: 'cs (own unit)' },
  { id: 'p-li-na', role: 'liaison', side: 'cs (own unit)' },
  { id: 'p-liu-wei', role: 'leadership_member', side: 'cs (own unit)' },
  { id: 'p-qian-hao', role: 'principal', side: 'cs (own unit)' },
  { id: 'p-sun-ming', role: 'first_responsible', side: 'ito (other unit)' },
  { id: 'p-gao-fang', role: 'direct_responsible', side: 'ito (other unit)' },
  { id: 'p-wu-lei', role: 'liaison', side: 'ito (other unit)' },
  { id: 'p-zheng-qiang', role: 'leadership_member', side: 'ito (other unit)' },
  { id: 'p-ma-jun', role: '(none)', side: 'no role' },
];

interface Person {
  id: string;
  label: string;
  user: CurrentUser;
}

type Params = Record<string, string>;

/** One call of a person on an endpoint: the target's facts, a shared target, and a fresh one when allowed. */
interface Case {
  what: string;
  facts: TargetFacts;
  shared: Params;
  fresh?: () => Promise<Params>;
}

interface Plan {
  cases(p: Person): Promise<Case[]> | Case[];
  body?: () => unknown;
  /** A body that depends on who calls (e.g. a unit records its own incident). */
  bodyFor?: (p: Person) => unknown;
  query?: string;
  /** What an allowed call answers when it is a redirect rather than a 2xx (sign-in's browser hops). */
  redirects?: true;
}

let s: Stack;
let t: ReturnType<typeof targets>;
let people: Person[];
let notice: NoticeRef;
let escalation: EscalationRef;
let proposal: ProposalRef;
let fromEscalation: ProposalRef & { asked: string[] };
let outboxId: number;
let it: ReturnType<typeof incidentTargets>;
let incident: IncidentRef;
let systemId: string;

beforeAll(async () => {
  s = await startStack({ limits: { perPersonPerMinute: 100000, authFailuresPer15Min: 100000, corsOrigins: [] } });
  t = targets(s);
  people = await Promise.all(
    PEOPLE.map(async (p) => {
      const roles = await getPersonRoles(s.db, p.id);
      const user: CurrentUser = { id: p.id, name: roles.person!.name, locale: roles.person!.locale, university: roles.university, units: roles.units };
      return { id: p.id, label: `${p.id} (${p.role}, ${p.side})`, user };
    }),
  );
  // Shared targets of cs, which calls that are refused (or only read) never change; and items of
  // the other units, so that lists have something to leak.
  let fe: typeof fromEscalation;
  [notice, escalation, proposal, fe] = await Promise.all([
    t.notice('under_review'),
    t.escalation('cs'),
    t.proposal('draft', 'cs', true),
    t.proposalFromEscalation('cs'),
    t.notice('issued', 'ito'),
    t.notice('rectifying', 'lib'),
    t.escalation('ito'),
    t.proposal('draft', 'ito'),
  ]);
  fromEscalation = fe;
  it = incidentTargets(s);
  [incident, systemId] = await Promise.all([it.incident('under_review'), it.system('cs'), it.incident('open', 'ito'), it.system('ito')]).then(
    ([i, sys]) => [i, sys] as const,
  );
  const row = await s.db.query<{ id: string | number }>('SELECT min(id) AS id FROM notification_outbox');
  outboxId = Number(row.rows[0].id ?? (await failedOutbox()));
}, 120000);

afterAll(async () => {
  await s?.shutdown();
});

/** An outbox entry that failed, for the office to retry. */
async function failedOutbox(): Promise<number> {
  const r = await s.db.query<{ id: string | number }>(
    `INSERT INTO notification_outbox (idempotency_key, channel, recipient, person_id, kind, category, locale, subject, body, status, attempts, last_error)
     VALUES ($1, 'email', 'lina@example.edu.cn', 'p-li-na', 'notice_issued', 'new_notice', 'zh-CN', '测试', '测试', 'failed', 5, 'test') RETURNING id`,
    [`matrix-${crypto.randomUUID()}`],
  );
  return Number(r.rows[0].id);
}

async function firstInboxMessage(personId: string): Promise<number | null> {
  const r = await s.db.query<{ id: string | number | null }>('SELECT min(id) AS id FROM inbox_messages WHERE person_id = $1', [personId]);
  return r.rows[0].id === null ? null : Number(r.rows[0].id);
}

const CS = { unitId: 'cs' };
const one = (c: Omit<Case, 'what'> & { what?: string }): Case[] => [{ what: '', ...c }];
const noticeCase = (fresh?: () => Promise<Params>) => (): Case[] =>
  one({ what: 'a cs notice', facts: CS, shared: { id: notice.id, sha256: notice.sha256!, rid: 'x1' }, fresh });
const proposalCase = (fresh?: () => Promise<Params>) => (): Case[] =>
  one({ what: 'a cs proposal', facts: CS, shared: { id: proposal.id, sha256: proposal.sha256! }, fresh });
const incidentCase = (fresh?: () => Promise<Params>) => (): Case[] =>
  one({ what: 'a cs incident', facts: CS, shared: { id: incident.id, sha256: incident.sha256! }, fresh });
const escalationFacts = () => ({ unitId: escalation.unitId, assigneeId: escalation.assigneeId, asked: escalation.asked });

/** Robots: the unit's, the person's own, and another person's. */
function robotCases(p: Person, fresh: boolean): Case[] {
  const other = p.id === 'p-li-na' ? 'p-liu-yang' : 'p-li-na';
  const make = (scope: 'unit' | 'person', scopeId: string) => async () => {
    await putRobot(s.db, { scope, scopeId, kind: 'wecom', webhookUrl: 'http://127.0.0.1:9/robot', secret: null, enabled: false, updatedBy: OFFICE });
    return { scope, scopeId, kind: 'wecom' };
  };
  const c = (what: string, scope: 'unit' | 'person', scopeId: string, ownerId: string | null): Case => ({
    what,
    facts: { ownerId },
    shared: { scope, scopeId, kind: 'wecom' },
    fresh: fresh ? make(scope, scopeId) : undefined,
  });
  return [c("cs's robot", 'unit', 'cs', null), c('own robot', 'person', p.id, p.id), c(`${other}'s robot`, 'person', other, other)];
}

const none: Plan = { cases: () => one({ facts: {}, shared: {} }) };

const PLANS: Record<string, Plan> = {
  'GET /healthz': none,
  'GET /api/glossary': none,
  // Operations (issue 13)
  'GET /readyz': none,
  'GET /metrics': none,
  'GET /api/openapi.json': none,
  'GET /api/docs': none,
  'GET /api/me': none,
  'GET /api/me/inbox': none,
  'POST /api/me/inbox/:id/read': {
    async cases(p) {
      const cases: Case[] = [];
      const own = await firstInboxMessage(p.id);
      if (own !== null) cases.push({ what: 'own message', facts: { ownerId: p.id }, shared: { id: String(own) } });
      const lina = await firstInboxMessage('p-li-na');
      if (lina === null) throw new Error('p-li-na has no message');
      cases.push({ what: "p-li-na's message", facts: { ownerId: 'p-li-na' }, shared: { id: String(lina) } });
      return cases;
    },
  },
  'GET /api/me/notification-preferences': none,
  'PUT /api/me/notification-preferences': { ...none, body: () => ({ categories: { reminder: ['inapp'] } }) },
  'GET /api/org/units': none,
  'GET /api/org/people': { ...none, query: '?at=2026-01-01T00:00:00%2B08:00' },
  'GET /api/org/units/:id/role-history': { cases: () => one({ what: "cs's role history", facts: CS, shared: { id: 'cs' } }) },

  'POST /api/notices': { ...none, body: () => noticeBody('cs', { title: '矩阵测试：下发' }) },
  'GET /api/notices': { ...none, query: '?pageSize=5' },
  'GET /api/notices/:id': { cases: noticeCase() },
  'GET /api/notices/:id/evidence/:sha256': { cases: noticeCase() },
  'POST /api/notices/:id/acknowledge': { cases: noticeCase(async () => ({ id: (await t.notice('issued')).id })) },
  'POST /api/notices/:id/rectification': { cases: noticeCase(async () => ({ id: (await t.notice('rectifying')).id })), body: reportBody },
  'POST /api/notices/:id/review': {
    cases: noticeCase(async () => ({ id: (await t.notice('under_review')).id })),
    body: () => ({ decision: 'accept', comment: '整改到位' }),
  },
  'POST /api/notices/:id/withdraw': { cases: noticeCase(async () => ({ id: (await t.notice('issued')).id })), body: () => ({ reason: '重复下发' }) },
  'POST /api/notices/:id/extension-requests': { cases: noticeCase(async () => ({ id: (await t.notice('rectifying')).id })), body: extensionBody },
  'POST /api/notices/:id/extension-requests/:rid/decision': {
    cases: noticeCase(async () => ({ id: (await t.notice('extension_pending')).id, rid: 'x1' })),
    body: () => ({ decision: 'approve', comment: '同意' }),
  },

  'GET /api/escalations': { ...none, query: '?pageSize=5' },
  'GET /api/escalations/:id': { cases: () => one({ what: 'a cs escalation at level 1', facts: escalationFacts(), shared: { id: escalation.id } }) },
  'POST /api/escalations/:id/decision': {
    // Another escalation of cs at level 1 has the same leader (cs's direct responsible person).
    cases: () =>
      one({ what: 'a cs escalation at level 1', facts: escalationFacts(), shared: { id: escalation.id }, fresh: async () => ({ id: (await t.escalation('cs')).id }) }),
    body: () => ({ decision: 'escalate', comment: '请书记督办' }),
  },

  'GET /api/accountability-proposals': { ...none, query: '?pageSize=5' },
  'POST /api/accountability-proposals': { ...none, body: () => proposalBody('cs') },
  // Also the proposal an escalation produced: the leaders asked in it read it (own items).
  'GET /api/accountability-proposals/:id': {
    cases: () => [
      ...proposalCase()(),
      { what: 'a cs proposal from an escalation', facts: { ...CS, asked: fromEscalation.asked }, shared: { id: fromEscalation.id } },
    ],
  },
  'GET /api/accountability-proposals/:id/evidence/:sha256': { cases: proposalCase() },
  'PATCH /api/accountability-proposals/:id': {
    cases: proposalCase(async () => ({ id: (await t.proposal('draft')).id })),
    body: () => ({ facts: '门户网站遭受攻击，中断8小时（附监测记录）。' }),
  },
  'POST /api/accountability-proposals/:id/request-approval': { cases: proposalCase(async () => ({ id: (await t.proposal('ready')).id })) },
  'POST /api/accountability-proposals/:id/approve': {
    cases: proposalCase(async () => ({ id: (await t.proposal('awaiting_approval')).id })),
    body: () => ({ comment: '同意提交' }),
  },
  'POST /api/accountability-proposals/:id/return': {
    cases: proposalCase(async () => ({ id: (await t.proposal('awaiting_approval')).id })),
    body: () => ({ reason: '事实部分缺少监测依据' }),
  },
  'POST /api/accountability-proposals/:id/decision': {
    cases: proposalCase(async () => ({ id: (await t.proposal('submitted')).id })),
    body: () => ({ decision: 'accepted' }),
  },

  'GET /api/notifications': { ...none, query: '?pageSize=5' },
  'GET /api/notifications/:id': { cases: () => one({ what: 'an outbox entry', facts: {}, shared: { id: String(outboxId) } }) },
  'POST /api/notifications/:id/retry': {
    cases: () => one({ what: 'a failed outbox entry', facts: {}, shared: { id: String(outboxId) }, fresh: async () => ({ id: String(await failedOutbox()) }) }),
  },
  'GET /api/notification-channels': none,
  'PUT /api/notification-channels/:scope/:scopeId/:kind': {
    cases: (p) => robotCases(p, false),
    body: () => ({ webhookUrl: 'http://127.0.0.1:9/robot', enabled: false }),
  },
  'DELETE /api/notification-channels/:scope/:scopeId/:kind': { cases: (p) => robotCases(p, true) },

  'GET /api/audit': { ...none, query: '?pageSize=5' },
  'GET /api/audit/verify': none,
  'GET /api/audit/export': none,

  // Incidents, the register, triggers (issue 10)
  'POST /api/incidents': {
    ...none,
    bodyFor: (p) => {
      const own = p.user.units.find((u) => ['liaison', 'direct_responsible', 'first_responsible'].includes(u.role));
      return own ? incidentBody(own.unitId) : incidentBody('cs', { source: 'monitoring' });
    },
  },
  'GET /api/incidents': { ...none, query: '?pageSize=5' },
  'GET /api/incidents/:id': { cases: incidentCase() },
  'GET /api/incidents/:id/evidence/:sha256': { cases: incidentCase() },
  'POST /api/incidents/:id/report': { cases: incidentCase(async () => ({ id: (await it.incident('office_recorded')).id })), body: () => ({ summary: '已核实并报告' }) },
  'POST /api/incidents/:id/confirm': { cases: incidentCase(async () => ({ id: (await it.incident('office_recorded')).id })), body: () => ({ agrees: true }) },
  'POST /api/incidents/:id/containment': { cases: incidentCase(async () => ({ id: (await it.incident('open')).id })), body: () => ({ measures: '已断网隔离' }) },
  'POST /api/incidents/:id/restoration': { cases: incidentCase(async () => ({ id: (await it.incident('open')).id })), body: () => ({ summary: '已恢复' }) },
  'POST /api/incidents/:id/restoration/confirm': { cases: incidentCase(async () => ({ id: (await it.incident('restored')).id })), body: () => ({ decision: 'confirm' }) },
  'POST /api/incidents/:id/closing-report': { cases: incidentCase(async () => ({ id: (await it.incident('open')).id })), body: closingReportBody },
  'POST /api/incidents/:id/review': { cases: incidentCase(async () => ({ id: (await it.incident('under_review')).id })), body: () => ({ decision: 'accept', comment: '处置到位' }) },
  'POST /api/incidents/:id/serious-impact': { cases: incidentCase(async () => ({ id: (await it.incident('open')).id })), body: () => ({ reason: '影响严重' }) },
  'POST /api/incidents/:id/notices': { cases: incidentCase(async () => ({ id: (await it.incident('open')).id })), body: () => ({ noticeId: notice.id }) },
  'POST /api/incidents/:id/close': { cases: incidentCase(async () => ({ id: (await it.incident('open')).id })), body: () => ({ reason: '已处置完毕' }) },
  'GET /api/systems': { ...none, query: '?pageSize=5' },
  'POST /api/systems': { ...none, body: () => systemBody('cs') },
  'POST /api/systems/import': {
    ...none,
    body: () => ({ format: 'csv', contentBase64: Buffer.from('单位,名称,地址,等保级别,重要\ncs,矩阵测试系统,matrix.example.edu.cn,2,否\n').toString('base64') }),
  },
  'GET /api/systems/:id': { cases: () => one({ what: 'a cs system', facts: CS, shared: { id: systemId } }) },
  'PATCH /api/systems/:id': {
    cases: () => one({ what: 'a cs system', facts: CS, shared: { id: systemId }, fresh: async () => ({ id: await it.system('cs') }) }),
    body: () => ({ contact: '王老师 0451-1234' }),
  },
  'GET /api/accountability-triggers': { ...none, query: '?pageSize=5' },
  'POST /api/accountability-triggers': {
    ...none,
    body: () => ({ rule: 'recorded_data_leak', unitId: 'cs', facts: `学生信息泄露 ${crypto.randomUUID()}`, factsAt: new Date().toISOString() }),
  },
  // Web UI (issue 9).
  'GET /api/me/work': none,
  'POST /api/notices/preview': { ...none, body: () => noticeBody('cs', { title: '矩阵测试：预览' }) },
  'GET /api/auth/config': none,
  // No identity provider in this stack: starting a sign-in goes to the web UI's dev sign-in page.
  'GET /api/auth/login': { ...none, redirects: true },
  // Without a sign-in under way (and no provider here), to the sign-in page with an error code.
  'GET /api/auth/callback': { ...none, redirects: true, query: '?code=x&state=y' },
  'GET /api/auth/cas/callback': { ...none, redirects: true, query: '?ticket=ST-1' },
  'GET /api/auth/dev/people': none,
  'POST /api/auth/dev/signin': { ...none, body: () => ({ personId: 'p-li-na' }) },
  'GET /api/auth/session': none,
  'POST /api/auth/signout': none,
  'GET /api/system/stuck': none,


  // Issue 12: calendar upkeep (a year far ahead, test data only).
  'GET /api/calendar': none,
  'PUT /api/calendar/years/:year': {
    cases: () => one({ facts: {}, shared: { year: '2099' } }),
    body: () => ({ holidays: [{ date: '2099-01-01', name: '测试用假日 / test holiday' }], workdays: [] }),
  },
  'POST /api/notices/recompute-deadlines': { ...none, body: () => ({}) },
  // Issue 9: the dashboard's figures.
  'GET /api/stats/open-notices': none,
  'GET /api/stats/overdue-weekly': none,
  'GET /api/stats/escalations': none,
  'GET /api/stats/on-time': none,
  'GET /api/stats/closed-monthly': none,
};

function fill(pattern: string, params: Params): string {
  return pattern.replace(/:(\w+)/g, (_m, k: string) => {
    if (params[k] === undefined) throw new Error(`no value for :${k} in ${pattern}`);
    return encodeURIComponent(params[k]);
  });
}

function describeAnswer(res: Response): string {
  const err = (res.body as { error?: unknown } | undefined)?.error;
  return `${res.status}${typeof err === 'string' ? ` (${err})` : ''}`;
}

/** Checks one answer against the expectation; returns a line describing a mismatch, or null. */
function check(res: Response, expected: 'allowed' | number, who: string, ep: Endpoint, what: string, plan?: Plan): string | null {
  const where = `${who} → ${ep.method} ${ep.path}${what ? ` on ${what}` : ''}`;
  if (expected === 'allowed' && plan?.redirects) {
    return res.status === 302 && typeof res.headers.location === 'string' ? null : `${where}: expected a 302 redirect, got ${describeAnswer(res)}`;
  }
  if (expected === 'allowed') {
    return res.status >= 200 && res.status < 300 ? null : `${where}: expected 2xx, got ${describeAnswer(res)}`;
  }
  if (res.status !== expected) return `${where}: expected ${expected}, got ${describeAnswer(res)}`;
  if (typeof (res.body as { error?: unknown }).error !== 'string') return `${where}: ${expected} without a JSON error`;
  return null;
}

test('every endpoint has a plan here (add one for a new endpoint)', () => {
  const missing = ENDPOINTS.map((e) => `${e.method} ${e.path}`).filter((k) => !PLANS[k]);
  expect(missing).toEqual([]);
});

describe('each endpoint answers each role exactly as the access table says', () => {
  test.each(ENDPOINTS.map((e) => [`${e.method} ${e.path}`, e] as const))('%s', async (key, ep) => {
    const plan = PLANS[key];
    if (!plan) throw new Error(`No plan for ${key}`);
    const mismatches: string[] = [];
    const counts = { allowed: 0, refused: 0 };

    // Nobody: no token.
    for (const c of await plan.cases(people[0])) {
      const res = await call(s, ep.method, `${fill(ep.path, c.shared)}${plan.query ?? ''}`, { body: plan.bodyFor ? plan.bodyFor(people[0]) : plan.body?.() });
      const bad = check(res, expectedAnswer(ep, null, c.facts), 'nobody (no token)', ep, c.what, plan);
      if (bad) mismatches.push(bad);
    }

    await inParallel(people, 4, async (p) => {
      for (const c of await plan.cases(p)) {
        const expected = expectedAnswer(ep, p.user, c.facts);
        const params = expected === 'allowed' && c.fresh ? await c.fresh() : c.shared;
        const res = await call(s, ep.method, `${fill(ep.path, params)}${plan.query ?? ''}`, { as: p.id, body: plan.bodyFor ? plan.bodyFor(p) : plan.body?.() });
        if (expected === 'allowed') counts.allowed++;
        else counts.refused++;
        const bad = check(res, expected, p.label, ep, c.what, plan);
        if (bad) mismatches.push(bad);
      }
    });
    expect(mismatches).toEqual([]);
    // Every endpoint is called by someone it allows (a matrix of refusals alone proves little).
    expect(counts.allowed).toBeGreaterThan(0);
  });
});

describe('lists show exactly what each person may see, in items and in total', () => {
  const ids = (res: Response) => (res.body.items as Array<{ id: string }>).map((x) => x.id).sort();
  const listEp = (path: string) => ENDPOINTS.find((e) => e.method === 'GET' && e.path === path)!;

  test('notices', async () => {
    const rows = (await s.db.query<{ id: string; unit_id: string }>('SELECT id, unit_id FROM notices')).rows;
    expect(new Set(rows.map((r) => r.unit_id))).toEqual(new Set(['cs', 'ito', 'lib']));
    expect(rows.length).toBeLessThan(100);
    const problems: string[] = [];
    await inParallel(people, 4, async (p) => {
      const truth = rows.filter((r) => can(p.user, 'notice.read', r.unit_id));
      const expected = expectedAnswer(listEp('/api/notices'), p.user);
      for (const [query, want] of [
        ['?pageSize=100', truth],
        ['?pageSize=100&unitId=ito', truth.filter((r) => r.unit_id === 'ito')],
        ['?pageSize=100&unitId=cs&status=issued', null],
      ] as const) {
        const res = await call(s, 'GET', `/api/notices${query}`, { as: p.id });
        if (expected !== 'allowed') {
          if (res.status !== expected) problems.push(`${p.label} ${query}: expected ${expected}, got ${res.status}`);
          continue;
        }
        const items = res.body.items as Array<{ id: string; unitId: string }>;
        const hidden = items.filter((x) => !can(p.user, 'notice.read', x.unitId));
        if (hidden.length) problems.push(`${p.label} ${query}: sees ${hidden.map((x) => `${x.id} of ${x.unitId}`).join(', ')}`);
        if (want) {
          if (res.body.total !== want.length) problems.push(`${p.label} ${query}: total ${res.body.total}, may see ${want.length}`);
          if (JSON.stringify(ids(res)) !== JSON.stringify(want.map((r) => r.id).sort())) problems.push(`${p.label} ${query}: items differ from what they may see`);
        } else if (res.body.total !== items.length) {
          problems.push(`${p.label} ${query}: total ${res.body.total} for ${items.length} items`);
        }
      }
      // Paging: one item a page, the same total.
      if (expected === 'allowed') {
        const page = await call(s, 'GET', '/api/notices?pageSize=1&page=2', { as: p.id });
        if (page.body.total !== truth.length || page.body.items.length !== Math.min(1, Math.max(0, truth.length - 1))) {
          problems.push(`${p.label} page 2 of 1: total ${page.body.total}, ${page.body.items.length} items; may see ${truth.length}`);
        }
      }
    });
    expect(problems).toEqual([]);
  });

  test('escalations', async () => {
    type Row = { id: string; unit_id: string; asked: string[]; assignee_id: string | null };
    const rows = (await s.db.query<Row>('SELECT id, unit_id, asked, assignee_id FROM escalations')).rows;
    expect(new Set(rows.map((r) => r.unit_id))).toEqual(new Set(['cs', 'ito']));
    // Their units' escalations, and those they were asked in (own items).
    const maySee = (p: Person, r: Row) => can(p.user, 'escalation.read', r.unit_id) || r.asked.includes(p.id) || r.assignee_id === p.id;
    const problems: string[] = [];
    await inParallel(people, 4, async (p) => {
      const truth = rows.filter((r) => maySee(p, r));
      for (const [query, want] of [
        ['?pageSize=100', truth],
        ['?pageSize=100&unitId=ito', truth.filter((r) => r.unit_id === 'ito')],
        ['?pageSize=100&assignee=me', truth.filter((r) => r.assignee_id === p.id)],
      ] as const) {
        const res = await call(s, 'GET', `/api/escalations${query}`, { as: p.id });
        if (res.status !== 200) {
          problems.push(`${p.label} ${query}: ${res.status}`);
          continue;
        }
        const hidden = (res.body.items as Array<{ id: string; unitId: string }>).filter((x) => {
          const r = rows.find((y) => y.id === x.id);
          return !r || !maySee(p, r);
        });
        if (hidden.length) problems.push(`${p.label} ${query}: sees ${hidden.map((x) => `${x.id} of ${x.unitId}`).join(', ')}`);
        if (res.body.total !== want.length) problems.push(`${p.label} ${query}: total ${res.body.total}, may see ${want.length}`);
        if (JSON.stringify(ids(res)) !== JSON.stringify(want.map((r) => r.id).sort())) problems.push(`${p.label} ${query}: items differ`);
      }
    });
    expect(problems).toEqual([]);
  });

  test('incidents and the register', async () => {
    const problems: string[] = [];
    for (const [path, table, action] of [
      ['/api/incidents', 'incidents', 'incident.read'],
      ['/api/systems', 'information_systems', 'system.read'],
    ] as const) {
      const rows = (await s.db.query<{ id: string; unit_id: string }>(`SELECT id, unit_id FROM ${table}`)).rows;
      expect(new Set(rows.map((r) => r.unit_id))).toEqual(new Set(['cs', 'ito']));
      await inParallel(people, 4, async (p) => {
        const expected = expectedAnswer(listEp(path), p.user);
        const res = await call(s, 'GET', `${path}?pageSize=100`, { as: p.id });
        if (expected !== 'allowed') {
          if (res.status !== expected) problems.push(`${p.label} ${path}: expected ${expected}, got ${res.status}`);
          return;
        }
        const want = rows.filter((r) => can(p.user, action, r.unit_id)).map((r) => r.id).sort();
        if (res.body.total !== want.length || JSON.stringify(ids(res)) !== JSON.stringify(want)) {
          problems.push(`${p.label} ${path}: total ${res.body.total}, may see ${want.length}`);
        }
      });
    }
    expect(problems).toEqual([]);
  });

  test('accountability proposals', async () => {
    const total = Number((await s.db.query<{ n: string | number }>('SELECT count(*) AS n FROM accountability_proposals')).rows[0].n);
    expect(total).toBeGreaterThan(1);
    const problems: string[] = [];
    await inParallel(people, 4, async (p) => {
      const res = await call(s, 'GET', '/api/accountability-proposals?pageSize=100', { as: p.id });
      const expected = expectedAnswer(listEp('/api/accountability-proposals'), p.user);
      if (expected !== 'allowed') {
        if (res.status !== expected) problems.push(`${p.label}: expected ${expected}, got ${res.status}`);
      } else if (res.status !== 200 || res.body.total !== total || res.body.items.length !== total) {
        problems.push(`${p.label}: ${res.status}, total ${res.body.total}, ${res.body.items?.length} items; ${total} exist`);
      }
    });
    expect(problems).toEqual([]);
  });
});

test('own items: a leader asked in an escalation keeps seeing it after leaving the role, and nothing else of the unit', async () => {
  // cs's direct responsible person, asked at level 1 of the shared escalation, hands the role over.
  const leader = 'p-liu-yang';
  expect(escalation.asked).toContain(leader);
  const org = loadOrgFile(SMALL_ORG);
  org.units.find((u) => u.id === 'cs')!.directResponsible = 'p-yang-fan';
  await importOrg(s.db, org, { source: 'matrix-own-items' });
  try {
    const roles = await getPersonRoles(s.db, leader);
    const user: CurrentUser = { id: leader, name: roles.person!.name, locale: roles.person!.locale, university: roles.university, units: roles.units };
    expect(user.units).toEqual([]);
    const ep = (method: string, path: string) => ENDPOINTS.find((e) => e.method === method && e.path === path)!;
    const problems: string[] = [];
    for (const [e, url, facts] of [
      [ep('GET', '/api/escalations/:id'), `/api/escalations/${escalation.id}`, escalationFacts()],
      [ep('GET', '/api/notices/:id'), `/api/notices/${escalation.noticeId}`, CS],
      [ep('GET', '/api/notices'), '/api/notices', {}],
    ] as const) {
      const bad = check(await call(s, e.method, url, { as: leader }), expectedAnswer(e, user, facts), `${leader} (no role now)`, e, '');
      if (bad) problems.push(bad);
    }
    expect(problems).toEqual([]);
    expect(expectedAnswer(ep('GET', '/api/escalations/:id'), user, escalationFacts())).toBe('allowed');
    // The list holds exactly the escalations they were asked in.
    const asked = (await s.db.query<{ id: string }>('SELECT id FROM escalations WHERE $1 = ANY(asked) OR assignee_id = $1', [leader])).rows.map((r) => r.id).sort();
    const list = await call(s, 'GET', '/api/escalations?pageSize=100', { as: leader });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(asked.length);
    expect((list.body.items as Array<{ id: string }>).map((x) => x.id).sort()).toEqual(asked);
  } finally {
    await importOrg(s.db, loadOrgFile(SMALL_ORG), { source: 'matrix-restore' });
  }
});

test('the leaders asked in an escalation, and the proposer, read the proposal it produced; others of the unit do not', async () => {
  const ep = ENDPOINTS.find((e) => e.method === 'GET' && e.path === '/api/accountability-proposals/:id')!;
  const asked = fromEscalation.asked;
  expect(asked).toEqual(expect.arrayContaining(['p-liu-yang', 'p-zhang-wei', 'p-zhou-wenbin']));
  for (const p of people) {
    const res = await call(s, 'GET', `/api/accountability-proposals/${fromEscalation.id}`, { as: p.id });
    const expected = expectedAnswer(ep, p.user, { unitId: 'cs', asked });
    if (asked.includes(p.id)) expect([p.id, expected, res.status]).toEqual([p.id, 'allowed', 200]);
    else if (p.id === 'p-li-na' || p.id === 'p-liu-wei') expect([p.id, expected, res.status]).toEqual([p.id, 404, 404]);
  }
});
