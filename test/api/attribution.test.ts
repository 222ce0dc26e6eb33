/**
 * Attribution per Art. 8 through the API (issue 12): the unit's principal (院长/处长) is in the
 * organisation and bears main leadership responsibility by default; the office edits the
 * attribution of a draft — individual only, collective only or both, who bears main and who
 * important leadership responsibility (only people on the unit's leadership at the time of the
 * facts) — and each change is in the timeline with its reason.
 */
import request from 'supertest';
import { startStack, type Stack } from '../support/stack';

const OFFICE = 'p-chen-jing';
const CS = { first: 'p-zhang-wei', principal: 'p-qian-hao', direct: 'p-liu-yang', member: 'p-liu-wei', liaison: 'p-li-na' };
let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.shutdown();
});

async function patch(url: string, body: object) {
  return request(s.app).patch(url).set('Authorization', `Bearer ${await s.tokens.sign(OFFICE)}`).send(body);
}

test('the principal is in the organisation and, with the secretary, bears main leadership responsibility by default', async () => {
  const people = (await s.as(OFFICE).get('/api/org/people?unitId=cs')).body.items as Array<{ id: string; roles: Array<{ role: string; unitId: string }> }>;
  expect(people.find((p) => p.id === CS.principal)!.roles).toEqual([{ role: 'principal', unitId: 'cs' }]);
  const res = await s.as(OFFICE).post('/api/accountability-proposals', {
    unitId: 'cs',
    trigger: 'outage_6h',
    facts: '门户网站中断8小时',
    factsAt: new Date().toISOString(),
    partiesConcerned: ['p-ma-jun'],
  });
  expect(res.status).toBe(201);
  expect(res.body.attribution.collective.mainLeadership).toEqual([CS.first, CS.principal, CS.direct]);
  // The principal reads the unit's notices like its leadership (access table).
  expect((await s.as(CS.principal).get('/api/notices')).status).toBe(200);
});

test('the office edits the attribution in draft within the rules, each change with its reason in the timeline', async () => {
  const created = await s.as(OFFICE).post('/api/accountability-proposals', {
    unitId: 'cs',
    trigger: 'data_leak',
    facts: '学生信息泄露',
    factsAt: new Date().toISOString(),
    partiesConcerned: ['p-ma-jun'],
  });
  const url = `/api/accountability-proposals/${created.body.id as string}`;

  // Refused: no reason; someone not on the leadership; one person in both; leadership with individual only.
  expect((await patch(url, { attribution: { kinds: 'individual' } })).status).toBe(400);
  let res = await patch(url, { attribution: { reason: '调整', mainLeadership: [CS.first, CS.liaison] } });
  expect(res.status).toBe(422);
  expect(res.body.error).toContain('领导班子成员');
  res = await patch(url, { attribution: { reason: '调整', mainLeadership: [CS.first], importantLeadership: [CS.first] } });
  expect(res.status).toBe(422);
  res = await patch(url, { attribution: { reason: '调整', kinds: 'individual', mainLeadership: [CS.first] } });
  expect(res.status).toBe(422);

  // Individual only: no collective responsibility.
  res = await patch(url, { attribution: { reason: '班子已集体研究部署，仅追究个人责任', kinds: 'individual' } });
  expect(res.status).toBe(200);
  expect(res.body.attribution.collective).toBeNull();
  expect(res.body.attribution.individuals.length).toBe(3);
  // Collective only: no individual responsibility.
  res = await patch(url, { attribution: { reason: '系集体决策失误', kinds: 'collective' } });
  expect(res.status).toBe(200);
  expect(res.body.attribution.individuals).toEqual([]);
  expect(res.body.attribution.collective.mainLeadership).toEqual([CS.first, CS.principal, CS.direct]);
  // Both again (the leadership rows come back as at the time of the facts; parties concerned are
  // named again with partiesConcerned), and who bears what.
  res = await patch(url, {
    partiesConcerned: ['p-ma-jun'],
    attribution: { reason: '分管领导参与决策但非主要负责人', kinds: 'both', mainLeadership: [CS.first, CS.principal], importantLeadership: [CS.direct, CS.member] },
  });
  expect(res.status).toBe(200);
  expect(res.body.attribution.individuals.map((r: { personId: string }) => r.personId)).toEqual(['p-ma-jun', CS.direct, CS.first]);
  expect(res.body.attribution.collective.mainLeadership).toEqual([CS.first, CS.principal]);
  expect(res.body.attribution.collective.importantLeadership).toEqual([CS.direct, CS.member]);

  const edits = (res.body.timeline as Array<{ type: string; data: { changed: string[]; attribution?: { reason: string; kinds: string | null; before: unknown; after: { collective: unknown } } } }>).filter(
    (t) => t.type === 'edited',
  );
  expect(edits.map((e) => [e.data.attribution!.reason, e.data.attribution!.kinds])).toEqual([
    ['班子已集体研究部署，仅追究个人责任', 'individual'],
    ['系集体决策失误', 'collective'],
    ['分管领导参与决策但非主要负责人', 'both'],
  ]);
  expect(edits[0].data.changed).toContain('attribution');
  expect(edits[0].data.attribution!.after.collective).toBeNull();

  // After submission nothing changes except by a decision.
  await patch(url, { individuals: [{ personId: 'p-ma-jun', measure: 'admonishment', reason: '未及时处置' }] });
  expect((await s.as(OFFICE).post(`${url}/request-approval`)).status).toBe(200);
  expect((await patch(url, { attribution: { reason: '再改', kinds: 'individual' } })).status).toBe(409);
});
