/**
 * My work (GET /api/me/work) for incidents, on a real stack with a second-scale policy: the unit is
 * asked to report and confirm what the office recorded (by the reporting deadline) and to handle its
 * own (by the outage alert while an important system is down); the office confirms a restoration
 * and reviews a closing report; a trigger's draft waits in the office's work. Each item leaves the
 * list once done. The links in the incident and draft messages are the web UI's addresses.
 */
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { call, closingReportBody, OFFICE } from '../support/targets';
import { eventually } from '../support/wait';
import type { Policy } from '../../domain/policy';

const LIAISON = 'p-li-na';
const OTHER_LIAISON = 'p-wu-lei';
const W = { cii: 'PT3S', other: 'PT3S' };

function policy(): Policy {
  const base = fastPolicy();
  return {
    ...base,
    incidents: {
      reportWithin: { general: { cii: 'PT1H', other: 'PT1H' }, larger: W, major: W, especially_major: W },
      reportReminders: [],
      outageAlertAfter: 'PT1H',
      notifyChainUpTo: { general: 1, larger: 2, major: 3, especially_major: 5 },
    },
  };
}

interface Item {
  kind: string;
  id: string;
  action: string;
  deadline: string | null;
  href: string;
  unitName: string;
}

let s: Stack;

beforeAll(async () => {
  s = await startStack({ policy: policy() });
}, 120000);

afterAll(async () => {
  await s?.shutdown();
});

async function work(person: string, id: string): Promise<Array<Pick<Item, 'action' | 'deadline'>>> {
  const r = await call(s, 'GET', '/api/me/work', { as: person });
  expect(r.status).toBe(200);
  return (r.body.items as Item[]).filter((x) => x.id === id).map((x) => {
    expect(x).toMatchObject({ kind: x.kind, href: x.kind === 'incident' ? `/incidents/${id}` : `/accountability-proposals/${id}` });
    return { action: x.action, deadline: x.deadline };
  });
}

async function record(as: string, body: object) {
  const r = await call(s, 'POST', '/api/incidents', { as, body: { unitId: 'cs', grade: 'general', type: 'attack_important', impact: '门户无法访问', title: '门户遭受攻击', ...body } });
  expect(r.status).toBe(201);
  return r.body as { id: string; clocks: { reportDueAt: string; outage: { startedAt: string; alertAfterMs: number } | null } };
}

test("an incident the office recorded: the unit reports and confirms it, by the reporting deadline; another unit sees nothing", async () => {
  const i = await record(OFFICE, { source: 'monitoring' });
  expect(await work(LIAISON, i.id)).toEqual([
    { action: 'report_incident', deadline: i.clocks.reportDueAt },
    { action: 'confirm_incident', deadline: null },
    { action: 'handle_incident', deadline: null },
  ]);
  expect(await work(OTHER_LIAISON, i.id)).toEqual([]);
  expect(await work(OFFICE, i.id)).toEqual([]);
  expect((await call(s, 'POST', `/api/incidents/${i.id}/report`, { as: LIAISON, body: { summary: '确认遭受攻击，已处置' } })).status).toBe(200);
  expect((await call(s, 'POST', `/api/incidents/${i.id}/confirm`, { as: LIAISON, body: { agrees: true } })).status).toBe(200);
  expect(await work(LIAISON, i.id)).toEqual([{ action: 'handle_incident', deadline: null }]);
});

test('an important system down: the unit handles it by the outage alert; the office confirms the restoration, then reviews the closing report', async () => {
  const sys = await call(s, 'POST', '/api/systems', { as: OFFICE, body: { unitId: 'cs', name: '教务系统', host: 'jw.example.edu.cn', important: true, protectionLevel: 3 } });
  expect(sys.status).toBe(201);
  const i = await record(LIAISON, { type: 'outage', systemIds: [sys.body.id] });
  const o = i.clocks.outage!;
  expect(await work(LIAISON, i.id)).toEqual([{ action: 'handle_incident', deadline: new Date(Date.parse(o.startedAt) + o.alertAfterMs).toISOString() }]);
  expect(await work(OFFICE, i.id)).toEqual([]);

  expect((await call(s, 'POST', `/api/incidents/${i.id}/restoration`, { as: LIAISON, body: { summary: '已切换备机' } })).status).toBe(200);
  // The closing report waits for the office's confirmation: nothing for the unit meanwhile.
  expect(await work(LIAISON, i.id)).toEqual([]);
  expect(await work(OFFICE, i.id)).toEqual([{ action: 'confirm_restoration', deadline: null }]);
  expect((await call(s, 'POST', `/api/incidents/${i.id}/restoration/confirm`, { as: OFFICE, body: { decision: 'confirm' } })).status).toBe(200);
  expect(await work(OFFICE, i.id)).toEqual([]);
  expect(await work(LIAISON, i.id)).toEqual([{ action: 'handle_incident', deadline: null }]);

  expect((await call(s, 'POST', `/api/incidents/${i.id}/closing-report`, { as: LIAISON, body: closingReportBody() })).status).toBe(200);
  expect(await work(LIAISON, i.id)).toEqual([]);
  expect(await work(OFFICE, i.id)).toEqual([{ action: 'review_incident', deadline: null }]);
  expect((await call(s, 'POST', `/api/incidents/${i.id}/review`, { as: OFFICE, body: { decision: 'accept' } })).status).toBe(200);
  expect(await work(OFFICE, i.id)).toEqual([]);
  expect(await work(LIAISON, i.id)).toEqual([]);
});

test("a trigger's draft waits in the office's work; the messages link to the incident's and the draft's pages", async () => {
  // A defacement reported after its three-second window (grade larger): Art. 7(1) opens a draft.
  const i = await record(LIAISON, { type: 'defacement', grade: 'larger', detectedAt: new Date(Date.now() - 10000).toISOString() });
  const firing = await eventually(
    async () => (await s.db.query<{ proposal_id: string }>(`SELECT proposal_id FROM trigger_firings WHERE incident_id = $1 AND rule = 'defacement_late'`, [i.id])).rows[0],
    30000,
    'the 7(1) firing',
  );
  const draft = firing.proposal_id;
  await eventually(async () => (await work(OFFICE, draft)).length > 0, 30000, 'the draft in the office\'s work');
  expect(await work(OFFICE, draft)).toEqual([{ action: 'edit_proposal', deadline: null }]);
  expect(await work(LIAISON, draft)).toEqual([]);

  // incident_new to the unit, proposal_triggered to the office: links are ${PUBLIC_URL} + the page's path.
  const incidentLink = await eventually(async () => {
    const r = await call(s, 'GET', '/api/me/inbox?pageSize=100', { as: 'p-liu-yang' });
    return (r.body.items as Array<{ kind: string; link: string | null }>).find((m) => m.kind === 'incident_new' && m.link?.endsWith(i.id))?.link;
  }, 20000, 'the new-incident message');
  expect(incidentLink).toBe(`http://cyberduty.test/incidents/${i.id}`);
  const draftLink = await eventually(async () => {
    const r = await call(s, 'GET', '/api/me/inbox?pageSize=100', { as: OFFICE });
    return (r.body.items as Array<{ kind: string; link: string | null }>).find((m) => m.kind === 'proposal_triggered' && m.link?.endsWith(draft))?.link;
  }, 20000, 'the draft message');
  expect(draftLink).toBe(`http://cyberduty.test/accountability-proposals/${draft}`);
});
