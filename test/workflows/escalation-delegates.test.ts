/**
 * Delegation in the escalation chain: where the notice's policy allows delegates, a deputy recorded
 * in the organisation file may decide for the leader at the level (and the timeline says for whom);
 * where it does not, the same deputy is refused.
 */
import { importOrg, loadOrgFile } from '../../db/org';
import { fastPolicy, SMALL_ORG, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const DIRECT = 'p-liu-yang'; // cs: level 1
const FIRST = 'p-zhang-wei'; // cs: level 2
const DEPUTY = 'p-liu-wei'; // cs leadership member, delegate of the level 1 leader
const OTHER = 'p-xu-jing'; // cs leadership member, nobody's delegate

let s: Stack;
beforeAll(async () => {
  // Overdue after 1 s; leaders have a minute, so nothing times out while the test decides.
  // Medium notices allow delegates, high ones do not.
  const policy = fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT1M', allowDelegates: true });
  policy.severities.high.escalation.allowDelegates = false;
  s = await startStack({ policy });
  const org = loadOrgFile(SMALL_ORG);
  org.delegations = [{ delegate: DEPUTY, for: DIRECT }];
  await importOrg(s.db, org, { source: 'test-delegations' });
});
afterAll(async () => {
  await s?.shutdown();
});

interface EscalationView {
  id: string;
  level: number;
  status: string;
  assigneeId: string | null;
  delegates: string[];
  state: { steps: Array<{ level: number; delegateIds?: string[]; decision?: { kind: string; by: string; onBehalfOf?: string } }> };
  timeline: Array<{ type: string; actorId: string; data: Record<string, unknown> }>;
}

async function issueAndWaitForLevel1(severity: 'medium' | 'high'): Promise<{ noticeId: string; e: EscalationView }> {
  const res = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title: '代理人决定测试',
    category: 'vulnerability',
    severity,
    description: '未按期签收的通知',
  });
  expect(res.status).toBe(201);
  const noticeId = res.body.id as string;
  const e = await eventually(async () => {
    const first = (await s.as(OFFICE).get(`/api/escalations?noticeId=${noticeId}`)).body.items[0] as { id: string } | undefined;
    const view = first ? ((await s.as(OFFICE).get(`/api/escalations/${first.id}`)).body as EscalationView) : undefined;
    return view && view.level === 1 && view.status === 'awaiting_decision' ? view : undefined;
  }, 30000, `level 1 of ${noticeId}`);
  return { noticeId, e };
}

const waitingFor = async (personId: string) =>
  ((await s.as(personId).get('/api/escalations?assignee=me')).body.items as Array<{ id: string }>).map((x) => x.id);

test('where the policy allows delegates, the deputy decides for the leader and the timeline says so', async () => {
  const { noticeId, e } = await issueAndWaitForLevel1('medium');
  expect(e.assigneeId).toBe(DIRECT);
  expect(e.delegates).toEqual([DEPUTY]);
  expect(e.state.steps[0].delegateIds).toEqual([DEPUTY]);

  // The deputy sees it waiting for them, and was asked in their inbox.
  expect(await waitingFor(DEPUTY)).toContain(e.id);
  expect(await waitingFor(OTHER)).not.toContain(e.id);
  const inbox = await eventually(async () => {
    const items = (await s.as(DEPUTY).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; noticeId: string }>;
    return items.some((m) => m.kind === 'decision_needed' && m.noticeId === noticeId) ? items : undefined;
  }, 20000, 'the deputy to be asked');
  expect(inbox.length).toBeGreaterThan(0);

  // Someone who is not a delegate is refused.
  const refused = await s.as(OTHER).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  expect(refused.status).toBe(403);
  expect(refused.body.error).toContain('或其代理人');

  const res = await s.as(DEPUTY).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate', comment: '代刘洋上报' });
  expect(res.status).toBe(200);
  expect(res.body.level).toBe(2);
  expect(res.body.assigneeId).toBe(FIRST);
  expect(res.body.delegates).toEqual([]); // the secretary has no delegate
  expect(res.body.state.steps[0].decision).toMatchObject({ kind: 'escalate', by: DEPUTY, onBehalfOf: DIRECT });
  const decided = (res.body as EscalationView).timeline.find((t) => t.type === 'escalation_decided')!;
  expect(decided.actorId).toBe(DEPUTY);
  expect(decided.data).toMatchObject({ level: 1, decision: 'escalate', onBehalfOf: DIRECT });

  // Level 2 is not the deputy's to decide.
  expect(await waitingFor(DEPUTY)).not.toContain(e.id);
  expect((await s.as(DEPUTY).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' })).status).toBe(403);
});

test('where the policy does not allow delegates, the same deputy is refused', async () => {
  const { e } = await issueAndWaitForLevel1('high');
  expect(e.assigneeId).toBe(DIRECT);
  expect(e.delegates).toEqual([]);
  expect(e.state.steps[0].delegateIds).toBeUndefined();
  expect(await waitingFor(DEPUTY)).not.toContain(e.id);

  const res = await s.as(DEPUTY).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  expect(res.status).toBe(403);
  expect(res.body.error).toContain('第1级');
  // The leader in person still decides; no one is recorded as acting for anyone.
  const own = await s.as(DIRECT).post(`/api/escalations/${e.id}/decision`, { decision: 'escalate' });
  expect(own.status).toBe(200);
  expect(own.body.state.steps[0].decision.by).toBe(DIRECT);
  expect(own.body.state.steps[0].decision.onBehalfOf).toBeUndefined();
});
