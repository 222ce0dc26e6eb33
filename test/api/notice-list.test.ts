/**
 * The notice list's `total` is counted up to a cap (LIST_COUNT_CAP; 3 here instead of 10,000):
 * above it the answer is the cap with `totalIsExact: false`, at or below it the exact count, on
 * whichever database the run uses (PGlite, or PostgreSQL with DATABASE_URL) — the same SQL. The
 * page itself is never cut by the cap. The OpenAPI document describes the answer.
 */
import { buildOpenApi } from '../../api/openapi';
import { startStack, type Stack } from '../support/stack';

const OFFICE = 'p-chen-jing';
const CS_LIAISON = 'p-li-na';
const CAP = 3;

let s: Stack;
const ids: Record<string, string[]> = { csHigh: [], csLow: [], itoHigh: [] };

beforeAll(async () => {
  s = await startStack({ listCountCap: CAP });
  // cs: three high and two low; ito: one high.
  const plan: Array<[keyof typeof ids, string, string]> = [
    ['csHigh', 'cs', 'high'],
    ['csHigh', 'cs', 'high'],
    ['csHigh', 'cs', 'high'],
    ['csLow', 'cs', 'low'],
    ['csLow', 'cs', 'low'],
    ['itoHigh', 'ito', 'high'],
  ];
  for (const [i, [group, unitId, severity]] of plan.entries()) {
    const r = await s.as(OFFICE).post('/api/notices', { unitId, title: `计数上限 ${i}`, category: 'vulnerability', severity, description: 'count cap' });
    expect(r.status).toBe(201);
    ids[group].push(r.body.id as string);
  }
});
afterAll(async () => {
  await s?.shutdown();
});

const list = async (who: string, query: string) => {
  const r = await s.as(who).get(`/api/notices?${query}`);
  expect(r.status).toBe(200);
  return r.body as { items: Array<{ id: string }>; total: number; totalIsExact: boolean; page: number; pageSize: number };
};

test('above the cap the total is the cap and says so; the page is whole', async () => {
  const all = await list(OFFICE, 'pageSize=20');
  expect({ total: all.total, totalIsExact: all.totalIsExact }).toEqual({ total: CAP, totalIsExact: false });
  expect(all.items.map((n) => n.id).sort()).toEqual([...ids.csHigh, ...ids.csLow, ...ids.itoHigh].sort());

  const cs = await list(OFFICE, 'unitId=cs');
  expect({ total: cs.total, totalIsExact: cs.totalIsExact, items: cs.items.length }).toEqual({ total: CAP, totalIsExact: false, items: 5 });

  // A liaison's list (their unit only) is capped the same way.
  const liaison = await list(CS_LIAISON, '');
  expect({ total: liaison.total, totalIsExact: liaison.totalIsExact }).toEqual({ total: CAP, totalIsExact: false });

  // Paging past the cap still works: page 3 of 2 holds the 5th and 6th notices.
  const page3 = await list(OFFICE, 'pageSize=2&page=3');
  expect({ items: page3.items.length, total: page3.total, totalIsExact: page3.totalIsExact }).toEqual({ items: 2, total: CAP, totalIsExact: false });
});

test('at or below the cap the total is exact', async () => {
  // Exactly the cap: counted cap + 1 rows at most, found 3.
  const csHigh = await list(OFFICE, 'unitId=cs&severity=high');
  expect({ total: csHigh.total, totalIsExact: csHigh.totalIsExact }).toEqual({ total: 3, totalIsExact: true });
  expect(csHigh.items.map((n) => n.id).sort()).toEqual([...ids.csHigh].sort());

  const low = await list(OFFICE, 'severity=low');
  expect({ total: low.total, totalIsExact: low.totalIsExact }).toEqual({ total: 2, totalIsExact: true });

  const ito = await list(OFFICE, 'unitId=ito');
  expect({ total: ito.total, totalIsExact: ito.totalIsExact, ids: ito.items.map((n) => n.id) }).toEqual({ total: 1, totalIsExact: true, ids: ids.itoHigh });

  const none = await list(OFFICE, 'unitId=ito&severity=low');
  expect({ total: none.total, totalIsExact: none.totalIsExact, items: none.items.length }).toEqual({ total: 0, totalIsExact: true, items: 0 });
});

test('the search text follows the one text rule: a control character is a 400 naming it', async () => {
  const found = await list(OFFICE, `q=${encodeURIComponent('计数上限 5')}`);
  expect(found.items.map((n) => n.id)).toEqual(ids.itoHigh);
  for (const bad of ['%00', 'a%01b', 'x%1By']) {
    const r = await s.as(OFFICE).get(`/api/notices?q=${bad}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual(expect.any(String));
  }
});

test('the OpenAPI document describes the list query and the capped total', () => {
  type Op = { parameters?: Array<{ name: string; in: string }>; responses: Record<string, { content: Record<string, { schema: { properties: Record<string, { type?: string }> } }> }> };
  const op = (buildOpenApi().paths?.['/api/notices'] as Record<string, Op>).get;
  expect((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)).toEqual(
    expect.arrayContaining(['unitId', 'status', 'severity', 'overdue', 'q', 'page', 'pageSize']),
  );
  const answer = op.responses['200'].content['application/json'].schema;
  expect(answer.properties.total.type).toBe('integer');
  expect(answer.properties.totalIsExact.type).toBe('boolean');
  expect(Object.keys(answer.properties)).toEqual(expect.arrayContaining(['items', 'page', 'pageSize']));
});
