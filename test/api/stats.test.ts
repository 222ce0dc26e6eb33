/**
 * GET /api/stats/... (the dashboard's figures, issue 9) against hand-computed fixtures: notices,
 * timeline events and escalations written straight into the projection with known Beijing times —
 * on the edges of weeks and months (00:00 Beijing is 16:00 UTC the day before), on `asOf` itself
 * and just after it — and every figure compared exactly with what the comments below count by
 * hand. Then who may ask (the office, leaders, overseers; a supervising leader for their units
 * only) and what bad queries answer. On PGlite, and on PostgreSQL too when DATABASE_URL is set.
 */
import crypto from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { createApp, type AppDeps } from '../../api/app';
import { createTokenService } from '../../api/auth';
import type { Db } from '../../db/client';
import { importOrg, loadOrgFile } from '../../db/org';
import { openTestDb, testBackends } from '../support/db';
import { SMALL_ORG } from '../support/stack';

/** Wednesday 17 June 2026, noon in Beijing: the instant the figures are asked "as of". */
const AS_OF = '2026-06-17T12:00:00+08:00';
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

interface NoticeRow {
  id: string;
  unit: 'cs' | 'ito' | 'lib';
  severity: 'critical' | 'high' | 'medium' | 'low';
  status: 'issued' | 'rectifying' | 'under_review' | 'closed' | 'withdrawn' | 'not_issued';
  issued: string;
  closed?: string;
  rectifyBy?: string;
}

// Notices. "open at AS_OF" = issued by then and not closed/withdrawn by then.
const NOTICES: NoticeRow[] = [
  { id: 'S-01', unit: 'cs', severity: 'critical', status: 'rectifying', issued: bj('2026-06-01T09:00:00') }, // open
  { id: 'S-02', unit: 'cs', severity: 'high', status: 'issued', issued: bj('2026-06-10T09:00:00') }, // open
  { id: 'S-03', unit: 'cs', severity: 'high', status: 'under_review', issued: bj('2026-05-01T09:00:00') }, // open
  { id: 'S-04', unit: 'ito', severity: 'medium', status: 'rectifying', issued: bj('2026-03-20T09:00:00') }, // open
  { id: 'S-05', unit: 'lib', severity: 'low', status: 'issued', issued: bj('2026-06-17T12:00:00') }, // issued at AS_OF exactly: open
  { id: 'S-06', unit: 'cs', severity: 'critical', status: 'issued', issued: bj('2026-06-17T12:00:01') }, // a second late: not yet
  { id: 'S-08', unit: 'ito', severity: 'high', status: 'closed', issued: bj('2026-06-01T09:00:00'), closed: bj('2026-06-18T10:00:00'), rectifyBy: bj('2026-06-20T00:00:00') }, // closed after AS_OF: open then
  { id: 'S-09', unit: 'lib', severity: 'medium', status: 'withdrawn', issued: bj('2026-03-20T09:00:00'), closed: bj('2026-05-20T10:00:00') }, // withdrawn before
  { id: 'S-10', unit: 'cs', severity: 'high', status: 'not_issued', issued: bj('2026-06-01T09:00:00') }, // never issued: never counted
  { id: 'S-11', unit: 'lib', severity: 'high', status: 'rectifying', issued: bj('2026-06-01T09:00:00') }, // open
  // Closed (rectification accepted). The window of the on-time rate and of the months: from
  // 2025-07-01 00:00 Beijing to AS_OF.
  { id: 'C-1', unit: 'cs', severity: 'high', status: 'closed', issued: bj('2026-06-01T09:00:00'), closed: bj('2026-06-16T10:00:00'), rectifyBy: bj('2026-06-20T00:00:00') },
  { id: 'C-2', unit: 'cs', severity: 'medium', status: 'closed', issued: bj('2026-05-10T09:00:00'), closed: bj('2026-05-31T23:30:00'), rectifyBy: bj('2026-05-25T00:00:00') },
  { id: 'C-3', unit: 'cs', severity: 'low', status: 'closed', issued: bj('2026-05-20T09:00:00'), closed: bj('2026-06-01T00:30:00'), rectifyBy: bj('2026-06-05T00:00:00') },
  { id: 'C-4', unit: 'ito', severity: 'high', status: 'closed', issued: bj('2026-02-01T09:00:00'), closed: bj('2026-03-10T10:00:00'), rectifyBy: bj('2026-03-15T00:00:00') },
  { id: 'C-5', unit: 'ito', severity: 'low', status: 'closed', issued: bj('2025-06-01T09:00:00'), closed: bj('2025-07-01T00:00:00'), rectifyBy: bj('2025-07-05T00:00:00') },
  { id: 'C-6', unit: 'lib', severity: 'low', status: 'closed', issued: bj('2025-06-01T09:00:00'), closed: bj('2025-06-30T23:59:00'), rectifyBy: bj('2025-07-05T00:00:00') },
  { id: 'C-7', unit: 'cs', severity: 'medium', status: 'closed', issued: bj('2026-01-20T09:00:00'), closed: bj('2026-02-14T10:00:00'), rectifyBy: bj('2026-02-10T18:00:00') },
  { id: 'C-8', unit: 'cs', severity: 'medium', status: 'closed', issued: bj('2025-12-20T09:00:00'), closed: bj('2026-01-20T10:00:00'), rectifyBy: bj('2026-01-15T00:00:00') },
];

// Timeline events: [notice, type, Beijing time, deadline (overdue events)].
const EVENTS: Array<[string, string, string, ('acknowledge' | 'rectify')?]> = [
  // The overdue trend. Weeks (Monday 00:00 Beijing): W1 = 2026-03-30 … W12 = 2026-06-15.
  ['S-01', 'overdue', '2026-06-15T00:00:00', 'acknowledge'], // W12 (UTC: still Sunday 14 June, W11)
  ['S-04', 'overdue', '2026-06-17T11:59:00', 'rectify'], // W12
  ['S-02', 'overdue', '2026-06-17T12:00:01', 'rectify'], // after AS_OF: not counted
  ['S-03', 'overdue', '2026-06-14T23:59:59', 'acknowledge'], // W11 (Sunday night)
  ['S-09', 'overdue', '2026-03-30T00:00:00', 'acknowledge'], // W1, its first instant
  ['S-04', 'overdue', '2026-03-29T23:59:59', 'acknowledge'], // before W1: not counted
  ['S-04', 'escalated', '2026-06-16T09:00:00'], // not an overdue: not counted
  // Reports of the closed notices, and their overdues.
  ['C-1', 'rectification_submitted', '2026-06-15T10:00:00'], // before 06-20: on time
  ['C-2', 'overdue', '2026-05-25T00:00:00', 'rectify'], // W9; C-2 late
  ['C-2', 'rectification_submitted', '2026-05-28T10:00:00'],
  ['C-3', 'overdue', '2026-06-02T09:00:00', 'acknowledge'], // W10; an acknowledgement overdue does not make the rectification late
  ['C-3', 'rectification_submitted', '2026-05-30T10:00:00'], // on time
  ['C-4', 'overdue', '2026-03-01T00:00:00', 'rectify'], // before W1; C-4 late although its deadline was extended afterwards
  ['C-4', 'rectification_submitted', '2026-03-09T10:00:00'],
  ['C-5', 'rectification_submitted', '2025-06-28T10:00:00'], // on time
  ['C-6', 'rectification_submitted', '2025-06-28T10:00:00'], // closed before the window
  ['C-7', 'rectification_submitted', '2026-02-10T18:00:00'], // at the deadline exactly: on time
  ['C-8', 'rectification_submitted', '2026-01-05T10:00:00'], // rejected; then
  ['C-8', 'rectification_submitted', '2026-01-16T10:00:00'], // the accepted report came after the deadline: late
];

interface EscRow {
  id: string;
  notice: string;
  unit: string;
  started: string;
  ended?: string;
  steps: Array<[number, string, string]>; // level, outcome, reached (Beijing)
}

const ESCALATIONS: EscRow[] = [
  // At AS_OF level 3 (level 2 was vacant); level 4 was reached only on 06-18 (its level now).
  { id: 'S-01-E1', notice: 'S-01', unit: 'cs', started: '2026-06-05T09:00:00', steps: [[1, 'timed_out', '2026-06-05T09:00:00'], [2, 'skipped_vacant', '2026-06-06T09:00:00'], [3, 'timed_out', '2026-06-06T09:00:00'], [4, 'pending', '2026-06-18T09:00:00']] },
  { id: 'S-03-E1', notice: 'S-03', unit: 'cs', started: '2026-06-10T09:00:00', steps: [[1, 'pending', '2026-06-10T09:00:00']] }, // level 1
  // Ended after AS_OF: under way then, at level 2.
  { id: 'S-04-E2', notice: 'S-04', unit: 'ito', started: '2026-06-01T09:00:00', ended: '2026-06-17T13:00:00', steps: [[1, 'decided', '2026-06-01T09:00:00'], [2, 'ended', '2026-06-03T09:00:00']] },
  { id: 'S-04-E1', notice: 'S-04', unit: 'ito', started: '2026-04-01T09:00:00', ended: '2026-05-01T09:00:00', steps: [[1, 'ended', '2026-04-01T09:00:00']] }, // ended before
  { id: 'S-11-E1', notice: 'S-11', unit: 'lib', started: '2026-06-16T09:00:00', steps: [[1, 'skipped_vacant', '2026-06-16T09:00:00']] }, // no leader asked yet
  { id: 'S-02-E1', notice: 'S-02', unit: 'cs', started: '2026-06-17T12:30:00', steps: [[1, 'pending', '2026-06-17T12:30:00']] }, // after AS_OF
];

async function insertFixtures(db: Db): Promise<void> {
  for (const n of NOTICES) {
    await db.query(
      `INSERT INTO notices (id, workflow_id, unit_id, title, category, severity, status, overdue, acknowledge_by, rectify_by,
         issued_by, issued_at, closed_at, version, state, updated_at)
       VALUES ($1, $2, $3, $4, 'vulnerability', $5, $6, NULL, $7, $8, 'p-chen-jing', $7, $9, 1, '{}', $7)`,
      [n.id, `notice-${n.id}`, n.unit, `统计测试 ${n.id}`, n.severity, n.status, n.issued, n.rectifyBy ?? bj('2026-12-31T00:00:00'), n.closed ?? null],
    );
  }
  const seq = new Map<string, number>();
  for (const [notice, type, at, deadline] of EVENTS) {
    const s = (seq.get(notice) ?? 1) + 1;
    seq.set(notice, s);
    await db.query('INSERT INTO notice_events (notice_id, seq, type, actor_id, at, data) VALUES ($1, $2, $3, $4, $5, $6)', [
      notice,
      s,
      type,
      'system',
      bj(at),
      JSON.stringify(deadline ? { deadline } : {}),
    ]);
  }
  for (const e of ESCALATIONS) {
    const steps = e.steps.map(([level, outcome, reached]) => ({ level, outcome, reachedAt: bj(reached), role: 'x', assigneeId: outcome === 'skipped_vacant' ? null : 'p-x' }));
    const current = e.steps.filter(([, o]) => !o.startsWith('skipped')).at(-1)?.[0] ?? 0;
    await db.query(
      `INSERT INTO escalations (id, notice_id, unit_id, round, level, status, started_at, ended_at, version, state)
       VALUES ($1, $2, $3, 1, $4, $5, $6, $7, 1, $8)`,
      [e.id, e.notice, e.unit, current, e.ended ? 'ended' : 'awaiting_decision', bj(e.started), e.ended ? bj(e.ended) : null, JSON.stringify({ steps })],
    );
  }
}

const zero = { critical: 0, high: 0, medium: 0, low: 0, total: 0 };
const CS = '计算机科学与技术学院';
const ITO = '信息化处';
const LIB = '图书馆';

/** The 12 weeks and months as the API labels them, with the counts filled in where not zero. */
function weeks(filled: Record<string, { acknowledge?: number; rectify?: number }>) {
  const mondays = Array.from({ length: 12 }, (_, i) => new Date(Date.parse('2026-03-30T00:00:00+08:00') + i * 7 * 86400000));
  return mondays.map((m) => {
    const label = new Date(m.getTime() + 8 * 3600000).toISOString().slice(0, 10);
    const c = filled[label] ?? {};
    const acknowledge = c.acknowledge ?? 0;
    const rectify = c.rectify ?? 0;
    return { start: m.toISOString(), end: new Date(m.getTime() + 7 * 86400000).toISOString(), label, acknowledge, rectify, total: acknowledge + rectify };
  });
}

function months(filled: Record<string, number>) {
  const labels = ['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
  const next = (l: string) => {
    const [y, m] = l.split('-').map(Number);
    return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  };
  return labels.map((label) => ({
    start: new Date(`${label}-01T00:00:00+08:00`).toISOString(),
    end: new Date(`${next(label)}-01T00:00:00+08:00`).toISOString(),
    label,
    closed: filled[label] ?? 0,
  }));
}

describe.each(testBackends())('the dashboard figures on %s', (backend) => {
  let db: Db;
  let app: ReturnType<typeof createApp>;
  const tokens = createTokenService({ embeddedKey: crypto.randomBytes(32) });

  beforeAll(async () => {
    db = await openTestDb(backend);
    await importOrg(db, loadOrgFile(SMALL_ORG), { source: 'test' });
    await insertFixtures(db);
    // The statistics read only the database: no Temporal server behind this app.
    app = createApp({
      db,
      temporal: {},
      taskQueue: 'stats-test',
      policy: {},
      calendar: {},
      tokens,
      logger: pino({ level: 'silent' }),
      evidenceMaxBytes: 1024,
      limits: { perPersonPerMinute: 1_000_000, authFailuresPer15Min: 1_000_000, corsOrigins: [] },
    } as unknown as AppDeps);
  });
  afterAll(async () => {
    await db?.close();
  });

  const get = async (as: string | null, path: string) => {
    const r = request(app).get(path);
    return as ? r.set('Authorization', `Bearer ${await tokens.sign(as)}`) : r;
  };
  const asOf = `asOf=${encodeURIComponent(AS_OF)}`;
  const ASOF_ISO = '2026-06-17T04:00:00.000Z';

  test('open notices by unit and severity, as of an instant', async () => {
    const r = await get('p-chen-jing', `/api/stats/open-notices?${asOf}`);
    expect(r.status).toBe(200);
    // cs: S-01 critical, S-02 high, S-03 high; ito: S-04 medium, S-08 high (closed only after);
    // lib: S-05 low (issued at AS_OF), S-11 high. Not S-06 (a second late), S-09, S-10, C-*.
    expect(r.body).toEqual({
      asOf: ASOF_ISO,
      items: [
        { unitId: 'cs', unitName: CS, ...zero, critical: 1, high: 2, total: 3 },
        { unitId: 'ito', unitName: ITO, ...zero, high: 1, medium: 1, total: 2 },
        { unitId: 'lib', unitName: LIB, ...zero, high: 1, low: 1, total: 2 },
      ],
      totals: { critical: 1, high: 4, medium: 1, low: 1, total: 7 },
    });
    // Now: S-06 has been issued and S-08 closed since.
    const now = await get('p-chen-jing', '/api/stats/open-notices');
    expect(now.body.items).toEqual([
      { unitId: 'cs', unitName: CS, ...zero, critical: 2, high: 2, total: 4 },
      { unitId: 'lib', unitName: LIB, ...zero, high: 1, low: 1, total: 2 },
      { unitId: 'ito', unitName: ITO, ...zero, medium: 1, total: 1 },
    ]);
    // …which is what the notices' statuses say.
    const byStatus = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM notices WHERE status IN ('issued', 'rectifying', 'under_review')");
    expect(now.body.totals.total).toBe(byStatus.rows[0].n);
    // One unit, by name: listed even with none open.
    const lib = await get('p-chen-jing', `/api/stats/open-notices?unitId=lib&asOf=${encodeURIComponent('2026-01-01T00:00:00+08:00')}`);
    expect(lib.body).toEqual({ asOf: '2025-12-31T16:00:00.000Z', items: [{ unitId: 'lib', unitName: LIB, ...zero }], totals: zero });
  });

  test('deadlines missed per Beijing week, the last 12 weeks', async () => {
    const r = await get('p-chen-jing', `/api/stats/overdue-weekly?${asOf}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      asOf: ASOF_ISO,
      weeks: weeks({
        '2026-03-30': { acknowledge: 1 }, // S-09 at 00:00 Monday
        '2026-05-25': { rectify: 1 }, // C-2
        '2026-06-01': { acknowledge: 1 }, // C-3
        '2026-06-08': { acknowledge: 1 }, // S-03 on Sunday 23:59:59
        '2026-06-15': { acknowledge: 1, rectify: 1 }, // S-01 at 00:00 Monday, S-04; not S-02 (after AS_OF)
      }),
    });
    const cs = await get('p-chen-jing', `/api/stats/overdue-weekly?${asOf}&unitId=cs`);
    expect(cs.body.weeks).toEqual(weeks({ '2026-05-25': { rectify: 1 }, '2026-06-01': { acknowledge: 1 }, '2026-06-08': { acknowledge: 1 }, '2026-06-15': { acknowledge: 1 } }));
  });

  test('escalations under way by level, as of an instant and now', async () => {
    const r = await get('p-chen-jing', `/api/stats/escalations?${asOf}`);
    expect(r.status).toBe(200);
    // S-03-E1 at 1, S-04-E2 at 2 (ended only after), S-01-E1 at 3 (4 came later); S-11-E1 no leader yet.
    expect(r.body).toEqual({
      asOf: ASOF_ISO,
      levels: [
        { level: 1, count: 1 },
        { level: 2, count: 1 },
        { level: 3, count: 1 },
        { level: 4, count: 0 },
        { level: 5, count: 0 },
      ],
      noLeader: 1,
      total: 4,
    });
    // Now: S-01-E1 at 4, S-02-E1 at 1, S-04-E2 ended — the escalations' own level column agrees.
    const now = await get('p-chen-jing', '/api/stats/escalations');
    expect(now.body.levels).toEqual([
      { level: 1, count: 2 },
      { level: 2, count: 0 },
      { level: 3, count: 0 },
      { level: 4, count: 1 },
      { level: 5, count: 0 },
    ]);
    const cols = await db.query<{ level: number; n: number }>("SELECT level, count(*)::int AS n FROM escalations WHERE status <> 'ended' AND level > 0 GROUP BY level ORDER BY level");
    expect(now.body.levels.filter((l: { count: number }) => l.count > 0)).toEqual(cols.rows.map((c) => ({ level: c.level, count: c.n })));
    expect(now.body.noLeader).toBe(1);
  });

  test('on-time rectification rate per unit, the last 12 months', async () => {
    const r = await get('p-chen-jing', `/api/stats/on-time?${asOf}`);
    expect(r.status).toBe(200);
    // cs: C-1 on time, C-2 late (overdue), C-3 on time (only its acknowledgement was late), C-7 on
    // time (at the deadline), C-8 late (accepted report after the deadline) → 3 / 5.
    // ito: C-4 late (overdue, extended after), C-5 on time (closed at the window's first instant) → 1 / 2.
    // lib: C-6 closed before the window; S-08 closed after AS_OF; S-09 withdrawn.
    expect(r.body).toEqual({
      asOf: ASOF_ISO,
      from: '2025-06-30T16:00:00.000Z',
      items: [
        { unitId: 'ito', unitName: ITO, closed: 2, onTime: 1, rate: 1 / 2 },
        { unitId: 'cs', unitName: CS, closed: 5, onTime: 3, rate: 3 / 5 },
      ],
      totals: { closed: 7, onTime: 4, rate: 4 / 7 },
    });
  });

  test('notices closed per Beijing month, the last 12 months', async () => {
    const r = await get('p-chen-jing', `/api/stats/closed-monthly?${asOf}`);
    expect(r.status).toBe(200);
    // C-2 at 23:30 on 31 May is May; C-3 at 00:30 on 1 June is June (still May in UTC).
    expect(r.body).toEqual({ asOf: ASOF_ISO, months: months({ '2025-07': 1, '2026-01': 1, '2026-02': 1, '2026-03': 1, '2026-05': 1, '2026-06': 2 }) });
    const ito = await get('p-chen-jing', `/api/stats/closed-monthly?${asOf}&unitId=ito`);
    expect(ito.body.months).toEqual(months({ '2025-07': 1, '2026-03': 1 }));
  });

  test('the office, leaders and overseers see all units; a supervising leader their own; unit people none', async () => {
    const paths = ['open-notices', 'overdue-weekly', 'escalations', 'on-time', 'closed-monthly'].map((p) => `/api/stats/${p}?${asOf}`);
    const office = await Promise.all(paths.map((p) => get('p-chen-jing', p)));
    for (const who of ['p-wang-jianguo', 'p-zhao-hongyu', 'p-liu-chang', 'p-he-yun', 'p-guo-fang', 'p-ma-xiaodong']) {
      const mine = await Promise.all(paths.map((p) => get(who, p)));
      expect(mine.map((r) => [who, r.status, r.body])).toEqual(office.map((r) => [who, 200, r.body]));
    }
    // 周文斌 supervises cs only: his figures are cs's, with or without unitId=cs.
    for (const p of paths) {
      const his = await get('p-zhou-wenbin', p);
      const cs = await get('p-chen-jing', `${p}&unitId=cs`);
      expect([p, his.status, his.body]).toEqual([p, 200, cs.body]);
      expect((await get('p-zhou-wenbin', `${p}&unitId=cs`)).body).toEqual(cs.body);
      const other = await get('p-zhou-wenbin', `${p}&unitId=ito`);
      expect([p, other.status, other.body.error]).toEqual([p, 403, '您无权查看单位 ito 的统计 / You may not see the figures of unit ito']);
    }
    const his = await get('p-zhou-wenbin', `/api/stats/open-notices?${asOf}`);
    expect(his.body.items).toEqual([{ unitId: 'cs', unitName: CS, ...zero, critical: 1, high: 2, total: 3 }]);
    const esc = await get('p-zhou-wenbin', `/api/stats/escalations?${asOf}`);
    expect(esc.body).toMatchObject({ levels: [{ level: 1, count: 1 }, { level: 2, count: 0 }, { level: 3, count: 1 }, { level: 4, count: 0 }, { level: 5, count: 0 }], noLeader: 0, total: 2 });
    // A unit's own people (liaison, responsible persons, leadership member, principal) and people with no role: 403.
    for (const who of ['p-li-na', 'p-zhang-wei', 'p-liu-yang', 'p-liu-wei', 'p-qian-hao', 'p-wu-lei', 'p-ma-jun']) {
      for (const p of paths) {
        const r = await get(who, p);
        expect([who, p, r.status, r.body.error]).toEqual([
          who,
          p,
          403,
          '态势总览仅供领导小组办公室、校领导及监督部门查看 / The dashboard is for the office, the university leaders and the overseeing bodies',
        ]);
      }
    }
    expect((await get(null, paths[0])).status).toBe(401);
  });

  test('bad queries: a clear 4xx naming what is wrong', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['asOf=2999-01-01T00:00:00Z', 422, /asOf 不能晚于当前时刻 \/ asOf must not be in the future/],
      ['asOf=1999-12-31T00:00:00%2B08:00', 422, /asOf must not be before 2000-01-01/],
      ['asOf=2026-06-17T12:00:00', 400, /asOf/], // no offset
      ['asOf=yesterday', 400, /asOf/],
      ['unitId=nosuch', 404, /没有单位 nosuch \/ No unit nosuch/],
      ['unitId=cs&unitId=ito', 400, /unitId/],
      ['unitId=c%00s', 400, /unitId/],
      // An unknown parameter: the shared error handler names no field, its details name the key.
      ['unit=cs', 400, /"unit"/],
      ['page=2', 400, /"page"/],
    ];
    for (const [q, status, message] of cases) {
      for (const p of ['open-notices', 'closed-monthly']) {
        const r = await get('p-chen-jing', `/api/stats/${p}?${q}`);
        expect([p, q, r.status]).toEqual([p, q, status]);
        expect([r.body.error, ...(r.body.details ?? []).map((d: { message: string }) => d.message)].join(' ')).toMatch(message);
      }
    }
    // Unknown figures are not endpoints.
    expect((await get('p-chen-jing', '/api/stats/nothing')).status).toBe(404);
  });
});
