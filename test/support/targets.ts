/**
 * Things to act on, in the state an action needs, made through the API as people would (for the
 * generated security tests): notices issued, acknowledged, under review or with an extension request
 * pending; escalations waiting at level 1; accountability proposals drafted, ready, awaiting approval
 * or submitted; and requests with any method, person and headers.
 */
import request from 'supertest';
import type { Method } from '../../api/endpoints';
import type { Stack } from './stack';
import { eventually } from './wait';

export const OFFICE = 'p-chen-jing';
export const CYBER_LEADER = 'p-zhao-hongyu';
/** The unit's liaison, who acknowledges and reports. */
export const LIAISON: Record<string, string> = { cs: 'p-li-na', ito: 'p-wu-lei', lib: 'p-he-bin' };

export interface Call {
  as?: string | null;
  body?: unknown;
  /** Sent as is (with the given Content-Type, or none), instead of `body` as JSON. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

const tokenCache = new WeakMap<Stack, Map<string, string>>();

export async function bearer(s: Stack, personId: string): Promise<string> {
  let m = tokenCache.get(s);
  if (!m) tokenCache.set(s, (m = new Map()));
  let t = m.get(personId);
  if (!t) m.set(personId, (t = await s.tokens.sign(personId)));
  return `Bearer ${t}`;
}

/** One request to the app: any method, as a person (or nobody), with a JSON or raw body. */
export async function call(s: Stack, method: Method, url: string, c: Call = {}): Promise<request.Response> {
  const agent = request(s.app);
  let req = method === 'GET' ? agent.get(url) : method === 'POST' ? agent.post(url) : method === 'PUT' ? agent.put(url) : method === 'PATCH' ? agent.patch(url) : agent.delete(url);
  if (c.as) req = req.set('Authorization', await bearer(s, c.as));
  for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
  if (c.raw !== undefined) return req.send(c.raw);
  if (c.body !== undefined) return req.send(c.body as object);
  return req;
}

function ok(res: request.Response, what: string, status = 200): request.Response {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export const noticeBody = (unitId = 'cs', over: object = {}) => ({
  unitId,
  title: '门户网站存在 SQL 注入漏洞',
  category: 'vulnerability',
  severity: 'high',
  description: '经检测，门户网站存在 SQL 注入漏洞，请立即整改。',
  ...over,
});

export const reportBody = () => ({
  summary: '已修复注入点',
  measures: '参数化查询；部署 WAF 规则',
  evidence: [{ name: '复测报告.txt', mediaType: 'text/plain', contentBase64: Buffer.from('复测通过').toString('base64') }],
});

export const extensionBody = () => ({ until: new Date(Date.now() + 5 * 86400000).toISOString(), reason: '需采购设备' });

export const proposalBody = (unitId = 'cs', over: object = {}) => ({
  unitId,
  trigger: 'outage_6h',
  facts: '门户网站遭受攻击，未及时处置，中断8小时。',
  // Now: the stack's organisation was imported moments ago, and nobody held a role before.
  factsAt: new Date().toISOString(),
  partiesConcerned: ['p-ma-jun'],
  ...over,
});

export const proposalMeasures = () => ({ individuals: [{ personId: 'p-ma-jun', measure: 'admonishment', reason: '未及时处置攻击事件' }] });

export type NoticeState = 'issued' | 'rectifying' | 'under_review' | 'extension_pending' | 'withdrawn';
export type ProposalState = 'draft' | 'ready' | 'awaiting_approval' | 'submitted';

export interface NoticeRef {
  id: string;
  unitId: string;
  /** Evidence of the report (under_review). */
  sha256?: string;
}

export interface EscalationRef {
  id: string;
  noticeId: string;
  unitId: string;
  assigneeId: string;
  asked: string[];
}

export interface ProposalRef {
  id: string;
  unitId: string;
  sha256?: string;
}

export function targets(s: Stack) {
  async function notice(state: NoticeState, unitId = 'cs', over: object = {}): Promise<NoticeRef> {
    const created = ok(await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody(unitId, over) }), 'issue', 201);
    const id = created.body.id as string;
    const ref: NoticeRef = { id, unitId };
    if (state === 'withdrawn') {
      ok(await call(s, 'POST', `/api/notices/${id}/withdraw`, { as: OFFICE, body: { reason: '重复下发' } }), 'withdraw');
      return ref;
    }
    if (state === 'issued') return ref;
    ok(await call(s, 'POST', `/api/notices/${id}/acknowledge`, { as: LIAISON[unitId] }), 'acknowledge');
    if (state === 'extension_pending') {
      ok(await call(s, 'POST', `/api/notices/${id}/extension-requests`, { as: LIAISON[unitId], body: extensionBody() }), 'request an extension', 201);
    }
    if (state === 'under_review') {
      const res = ok(await call(s, 'POST', `/api/notices/${id}/rectification`, { as: LIAISON[unitId], body: reportBody() }), 'report');
      ref.sha256 = res.body.rectifications[0].evidence[0].sha256 as string;
    }
    return ref;
  }

  /** A notice whose acknowledgement deadline passes at once: its escalation waits at level 1. */
  async function escalation(unitId = 'cs'): Promise<EscalationRef> {
    // Soon, but after the request is handled: on a loaded machine it can take seconds to arrive, so a
    // deadline already past when it does (422) is tried again further out.
    let n: NoticeRef | undefined;
    for (let margin = 1500; !n; margin *= 2) {
      const now = Date.now();
      const res = await call(s, 'POST', '/api/notices', {
        as: OFFICE,
        body: noticeBody(unitId, { acknowledgeBy: new Date(now + margin).toISOString(), rectifyBy: new Date(now + 3600000).toISOString() }),
      });
      if (res.status === 201) n = { id: res.body.id as string, unitId };
      else if (!(res.status === 422 && margin < 30000)) ok(res, 'issue', 201);
    }
    return eventually(
      async () => {
        const list = await call(s, 'GET', `/api/escalations?noticeId=${n.id}`, { as: OFFICE });
        const e = list.body.items?.[0] as { id: string; status: string; assigneeId: string | null; asked: string[] } | undefined;
        return e && e.status === 'awaiting_decision' && e.assigneeId
          ? { id: e.id, noticeId: n.id, unitId, assigneeId: e.assigneeId, asked: e.asked }
          : undefined;
      },
      30000,
      `the escalation of ${n.id}`,
    );
  }

  async function proposal(state: ProposalState, unitId = 'cs', withEvidence = false): Promise<ProposalRef> {
    const evidence = withEvidence
      ? { evidence: [{ name: '监测记录.txt', mediaType: 'text/plain', contentBase64: Buffer.from('down 02:00-10:00').toString('base64') }] }
      : {};
    const created = ok(await call(s, 'POST', '/api/accountability-proposals', { as: OFFICE, body: proposalBody(unitId, evidence) }), 'draft', 201);
    const ref: ProposalRef = { id: created.body.id as string, unitId, sha256: created.body.evidence?.[0]?.sha256 as string | undefined };
    const url = `/api/accountability-proposals/${ref.id}`;
    if (state === 'draft') return ref;
    ok(await call(s, 'PATCH', url, { as: OFFICE, body: proposalMeasures() }), 'recommend measures');
    if (state === 'ready') return ref;
    ok(await call(s, 'POST', `${url}/request-approval`, { as: OFFICE }), 'ask for approval');
    if (state === 'awaiting_approval') return ref;
    ok(await call(s, 'POST', `${url}/approve`, { as: CYBER_LEADER, body: { comment: '同意' } }), 'approve');
    return ref;
  }

  /**
   * A proposal a university leader opened from an escalation of the unit: cs's leaders escalate
   * levels 1 and 2, the supervising leader (level 3) proposes accountability.
   */
  async function proposalFromEscalation(unitId = 'cs'): Promise<ProposalRef & { asked: string[]; noticeId: string }> {
    const e = await escalation(unitId);
    const level = async (n: number) =>
      eventually(async () => {
        const x = await call(s, 'GET', `/api/escalations/${e.id}`, { as: OFFICE });
        return x.body.level === n && x.body.status === 'awaiting_decision' ? (x.body as { assigneeId: string }) : undefined;
      }, 30000, `level ${n} of ${e.id}`);
    for (const n of [1, 2]) {
      const at = await level(n);
      ok(await call(s, 'POST', `/api/escalations/${e.id}/decision`, { as: at.assigneeId, body: { decision: 'escalate', comment: '上报' } }), `escalate at ${n}`);
    }
    const top = await level(3);
    const res = ok(
      await call(s, 'POST', `/api/escalations/${e.id}/decision`, { as: top.assigneeId, body: { decision: 'propose_accountability', comment: '多次督办仍未签收' } }),
      'propose accountability',
    );
    const id = res.body.state.proposalId as string;
    await eventually(async () => (await call(s, 'GET', `/api/accountability-proposals/${id}`, { as: OFFICE })).status === 200, 30000, `proposal ${id}`);
    return { id, unitId, noticeId: e.noticeId, asked: res.body.asked as string[] };
  }

  return { notice, escalation, proposal, proposalFromEscalation };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---- Incidents, the register, triggers (issue 10) ----

export type IncidentTargetState = 'open' | 'office_recorded' | 'contained' | 'restored' | 'restoration_confirmed' | 'under_review' | 'closed';

export interface IncidentRef {
  id: string;
  unitId: string;
  sha256?: string;
}

export const incidentBody = (unitId = 'cs', over: object = {}) => ({
  unitId,
  title: '门户网站页面被篡改',
  type: 'defacement',
  grade: 'general',
  impact: '首页出现不良信息',
  ...over,
});

export const closingReportBody = () => ({
  summary: '已恢复页面并加固',
  measures: '更换口令；部署防篡改',
  evidence: [{ name: '处置报告.txt', mediaType: 'text/plain', contentBase64: Buffer.from('处置完成').toString('base64') }],
});

export const systemBody = (unitId = 'cs', over: object = {}) => ({
  unitId,
  name: `系统-${Math.random().toString(36).slice(2, 8)}`,
  host: 'app.example.edu.cn',
  important: true,
  protectionLevel: 3,
  ...over,
});

export function incidentTargets(s: Stack) {
  async function system(unitId = 'cs'): Promise<string> {
    return ok(await call(s, 'POST', '/api/systems', { as: OFFICE, body: systemBody(unitId) }), 'register a system', 201).body.id as string;
  }

  /** An incident of the unit in the state an action needs (an outage of an important system from `restored` on). */
  async function incident(state: IncidentTargetState, unitId = 'cs'): Promise<IncidentRef> {
    const liaison = LIAISON[unitId];
    const outage = state === 'restored' || state === 'restoration_confirmed' || state === 'under_review';
    const body =
      state === 'office_recorded'
        ? incidentBody(unitId, { source: 'monitoring' })
        : outage
          ? incidentBody(unitId, { type: 'outage', systemIds: [await system(unitId)] })
          : incidentBody(unitId);
    const created = ok(await call(s, 'POST', '/api/incidents', { as: state === 'office_recorded' ? OFFICE : liaison, body }), 'record', 201);
    const ref: IncidentRef = { id: created.body.id as string, unitId };
    const url = `/api/incidents/${ref.id}`;
    if (state === 'open' || state === 'office_recorded') return ref;
    if (state === 'closed') {
      ok(await call(s, 'POST', `${url}/close`, { as: OFFICE, body: { reason: '已处置完毕' } }), 'close');
      return ref;
    }
    if (state === 'contained') {
      ok(await call(s, 'POST', `${url}/containment`, { as: liaison, body: { measures: '已断网隔离' } }), 'contain');
      return ref;
    }
    ok(await call(s, 'POST', `${url}/restoration`, { as: liaison, body: { summary: '已恢复服务' } }), 'restore');
    if (state === 'restored') return ref;
    ok(await call(s, 'POST', `${url}/restoration/confirm`, { as: OFFICE, body: { decision: 'confirm' } }), 'confirm restoration');
    if (state === 'restoration_confirmed') return ref;
    const res = ok(await call(s, 'POST', `${url}/closing-report`, { as: liaison, body: closingReportBody() }), 'closing report');
    ref.sha256 = res.body.closingReports[0].evidence[0].sha256 as string;
    return ref;
  }

  return { system, incident };
}
