/**
 * The organisation through the API: people with their roles as at a time (before and after a
 * handover recorded by an import), contact details only for those who oversee all units, and the
 * history of a unit's role holders with each tenure's dates.
 */
import { startStack, type Stack } from '../support/stack';
import { giveOrgAHistory, HANDOVER } from '../support/org-history';

let s: Stack;
let changed: Date;
let started: Date;

beforeAll(async () => {
  s = await startStack();
  ({ started, changed } = await giveOrgAHistory(s.db, { startedDaysAgo: 60, changedDaysAgo: 30 }));
});
afterAll(async () => {
  await s?.shutdown();
});

type PersonItem = { id: string; name: string; email?: string; roles: Array<{ role: string; unitId: string | null }> };
const holders = (items: PersonItem[], unitId: string, role: string) =>
  items.filter((p) => p.roles.some((r) => r.unitId === unitId && r.role === role)).map((p) => p.id);

test('GET /api/org/people?at: the people and their roles as they were at that time', async () => {
  const now = await s.as('p-chen-jing').get('/api/org/people?unitId=cs');
  expect(now.status).toBe(200);
  expect(holders(now.body.items, 'cs', HANDOVER.role)).toEqual([HANDOVER.after]);
  expect(now.body.items.map((p: PersonItem) => p.id)).not.toContain(HANDOVER.before);

  const before = new Date(changed.getTime() - 86400000).toISOString();
  const then = await s.as('p-chen-jing').get(`/api/org/people?unitId=cs&at=${encodeURIComponent(before)}`);
  expect(then.status).toBe(200);
  expect(then.body.at).toBe(before);
  expect(holders(then.body.items, 'cs', HANDOVER.role)).toEqual([HANDOVER.before]);
  expect(then.body.items.map((p: PersonItem) => p.id)).not.toContain(HANDOVER.after);
  // The unit's other roles did not change.
  expect(holders(then.body.items, 'cs', 'liaison')).toEqual(['p-li-na']);
  expect(holders(now.body.items, 'cs', 'liaison')).toEqual(['p-li-na']);

  // Before anything was imported, nobody held a role; every person is listed, with no roles.
  const earlier = new Date(started.getTime() - 86400000).toISOString();
  const none = await s.as('p-chen-jing').get(`/api/org/people?at=${encodeURIComponent(earlier)}`);
  expect(none.status).toBe(200);
  expect(none.body.items.length).toBeGreaterThan(10);
  expect(none.body.items.every((p: PersonItem) => p.roles.length === 0)).toBe(true);
  expect((await s.as('p-chen-jing').get(`/api/org/people?unitId=cs&at=${encodeURIComponent(earlier)}`)).body.items).toEqual([]);

  // Contact details only for those who oversee all units; a unit's liaison sees names and roles.
  expect(then.body.items.find((p: PersonItem) => p.id === HANDOVER.before).email).toBe('liuyang@example.edu.cn');
  const liaison = await s.as('p-li-na').get(`/api/org/people?unitId=cs&at=${encodeURIComponent(before)}`);
  expect(liaison.status).toBe(200);
  expect(holders(liaison.body.items, 'cs', HANDOVER.role)).toEqual([HANDOVER.before]);
  expect(liaison.body.items.every((p: PersonItem) => p.email === undefined)).toBe(true);

  // A time that is not an ISO-8601 instant with an offset is a 400 naming the field.
  const bad = await s.as('p-chen-jing').get('/api/org/people?at=yesterday');
  expect(bad.status).toBe(400);
  expect(bad.body.error).toContain('at');
});

test("GET /api/org/units/:id/role-history: every tenure of the unit's roles, with its dates", async () => {
  const res = await s.as('p-li-na').get('/api/org/units/cs/role-history');
  expect(res.status).toBe(200);
  expect(res.body.unit).toMatchObject({ id: 'cs', name: '计算机科学与技术学院' });
  type Tenure = { personId: string; personName: string; role: string; validFrom: string; validTo: string | null };
  const items = res.body.items as Tenure[];
  const direct = items.filter((t) => t.role === HANDOVER.role);
  expect(direct).toEqual([
    { personId: HANDOVER.before, personName: '刘洋', role: HANDOVER.role, validFrom: started.toISOString(), validTo: changed.toISOString() },
    { personId: HANDOVER.after, personName: '杨帆', role: HANDOVER.role, validFrom: changed.toISOString(), validTo: null },
  ]);
  // Every role of the unit is there, still held since the first import; only cs's roles.
  expect(items.find((t) => t.role === 'liaison')).toEqual({ personId: 'p-li-na', personName: '李娜', role: 'liaison', validFrom: started.toISOString(), validTo: null });
  expect(new Set(items.map((t) => t.role))).toEqual(new Set(['supervising_leader', 'first_responsible', 'direct_responsible', 'liaison', 'leadership_member', 'principal']));
  // Grouped by role in the glossary's order, earliest first within a role.
  const order = items.map((t) => t.role);
  expect(order.indexOf('first_responsible')).toBeLessThan(order.indexOf('liaison'));

  expect((await s.as('p-li-na').get('/api/org/units/nosuch/role-history')).status).toBe(404);
  expect((await s.as('p-li-na').get('/api/org/units/cs/role-history?x=1')).status).toBe(400);
  expect((await s.as('p-ma-jun').get('/api/org/units/cs/role-history')).status).toBe(403);
});
