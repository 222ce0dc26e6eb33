/**
 * The rows every workflow's projection is made of, on PGlite and (with DATABASE_URL) PostgreSQL:
 * case numbers for the three series from one helper (db/numbers.ts), and a notice's step written
 * by db/notices.ts (the writes that were in activities/) — once however often a retried activity
 * writes it, never backwards, read back with the shared readers (db/projection.ts).
 */
import type { Db } from '../../db/client';
import { importOrg, loadOrgFile } from '../../db/org';
import { allocateNumber, IdempotencyConflict, INCIDENT_NUMBERS, NOTICE_NUMBERS, PROPOSAL_NUMBERS } from '../../db/numbers';
import { allocateNoticeId, getNotice, getNoticeDetail, getNoticeHeader, getTimeline, writeNoticeEvent } from '../../db/notices';
import { allocateProposalId } from '../../db/proposals';
import { allocateIncidentId, incidentsOfNotice } from '../../db/incidents';
import { dueBecause, explicitDeadline } from '../../domain/explicit-deadline';
import { acknowledge, initialState, type NoticeInput, type NoticeState } from '../../domain/notice';
import type { NoticeEvent } from '../../domain/events';
import { openTestDb, testBackends } from '../support/db';
import { SMALL_ORG } from '../support/stack';

const OFFICE = { id: 'p-chen-jing', name: '陈静', capacity: 'office' as const };
const LIAISON = { id: 'p-li-na', name: '李娜', capacity: 'unit' as const };

function notice(id: string): NoticeState {
  const now = '2026-03-02T02:00:00.000Z';
  const due = explicitDeadline('2026-03-09T02:00:00.000Z', 'explicit', now, dueBecause({ zh: '测试', en: 'Test' }));
  const input: NoticeInput = {
    id,
    unitId: 'cs',
    title: '投影测试',
    category: 'vulnerability',
    severity: 'high',
    description: '写入与读取',
    assets: [],
    issuedBy: OFFICE,
    issuedAt: now,
    acknowledgeBy: due,
    rectifyBy: due,
    reminders: { acknowledge: [], rectify: [] },
    maxExtensions: 2,
    escalation: { decideWithin: 'P1D', workingDays: true, maxSuperviseMs: 86400000, remindersMs: [] },
    proposalTiming: { approveWithinMs: 86400000, decideWithinMs: 86400000, remindersMs: [] },
  };
  return initialState(input);
}

/** The state as the workflow records it: version moved to the event's seq, a copy taken. */
function step(state: NoticeState, type: NoticeEvent['type'], actorId: string, at: string): { state: NoticeState; event: NoticeEvent } {
  state.version += 1;
  return { state: JSON.parse(JSON.stringify(state)) as NoticeState, event: { seq: state.version, type, actorId, at, data: { n: state.version } } };
}

describe.each(testBackends())('on %s', (backend) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb(backend);
    await importOrg(db, loadOrgFile(SMALL_ORG), { source: 'test' });
  });
  afterAll(async () => {
    await db?.close();
  });

  test('each series counts per year with its letter and the prefix; a key keeps its number; another request under it is refused', async () => {
    expect(await allocateNoticeId(db, 2026, undefined, 'd')).toEqual({ id: '2026-0001', existing: false });
    expect(await allocateNoticeId(db, 2026, 'k-1', 'd1', 'HEU')).toEqual({ id: 'HEU-2026-0002', existing: false });
    expect(await allocateNoticeId(db, 2026, 'k-1', 'd1', 'HEU')).toEqual({ id: 'HEU-2026-0002', existing: true });
    await expect(allocateNoticeId(db, 2026, 'k-1', 'other', 'HEU')).rejects.toBeInstanceOf(IdempotencyConflict);
    expect(await allocateNoticeId(db, 2027, undefined, 'd')).toEqual({ id: '2027-0001', existing: false });

    expect(await allocateProposalId(db, 2026, 'escalation:e-1')).toEqual({ id: 'P2026-0001', existing: false });
    // A source key without a digest (an activity's retry) gets its number again; with one it must match.
    expect(await allocateProposalId(db, 2026, 'escalation:e-1')).toEqual({ id: 'P2026-0001', existing: true });
    await expect(allocateProposalId(db, 2026, 'escalation:e-1', 'digest')).rejects.toBeInstanceOf(IdempotencyConflict);
    expect(await allocateProposalId(db, 2026, 'api:k', 'digest', 'HEU')).toEqual({ id: 'HEU-P2026-0002', existing: false });

    expect(await allocateIncidentId(db, 2026, 'k-1', 'd1')).toEqual({ id: 'I2026-0001', existing: false });
    // The series keep their own keys: the notice's key k-1 is not the incident's.
    expect(await allocateIncidentId(db, 2026, 'k-1', 'd1')).toEqual({ id: 'I2026-0001', existing: true });
    expect(await allocateNumber(db, INCIDENT_NUMBERS, 2026, undefined, undefined)).toEqual({ id: 'I2026-0002', existing: false });
    expect(await allocateNumber(db, NOTICE_NUMBERS, 2026, undefined, undefined)).toEqual({ id: '2026-0003', existing: false });
    expect(await allocateNumber(db, PROPOSAL_NUMBERS, 2026, undefined, undefined)).toEqual({ id: 'P2026-0003', existing: false });
  });

  test('numbers past 9999 keep every digit, with a key or without; one key sent many times at once gets one number', async () => {
    await db.query('INSERT INTO notice_counters (year, last) VALUES (2031, 9998)');
    expect(await allocateNoticeId(db, 2031, 'k-big', 'd')).toEqual({ id: '2031-9999', existing: false });
    expect(await allocateNoticeId(db, 2031, 'k-bigger', 'd')).toEqual({ id: '2031-10000', existing: false });
    expect(await allocateNoticeId(db, 2031, undefined, 'd')).toEqual({ id: '2031-10001', existing: false });
    expect(await allocateNoticeId(db, 2031, 'k-bigger', 'd')).toEqual({ id: '2031-10000', existing: true });
    // On PostgreSQL these race on separate connections: the year's counter row is held locked
    // while all eight start, so each finds no number for the key and waits; then every one gets
    // the same number, and the counter moved once for them all.
    await db.query('INSERT INTO notice_counters (year, last) VALUES (2032, 0)');
    await Promise.all(Array.from({ length: 8 }, () => db.query('SELECT pg_sleep(0.02)')));
    let racing: Array<Promise<{ id: string; existing: boolean }>> = [];
    await db.tx(async (q) => {
      await q.query('SELECT last FROM notice_counters WHERE year = 2032 FOR UPDATE');
      racing = Array.from({ length: 8 }, () => allocateNoticeId(db, 2032, 'k-race', 'd'));
      await new Promise((r) => setTimeout(r, 300));
    });
    const same = await Promise.all(racing);
    expect(new Set(same.map((x) => x.id))).toEqual(new Set(['2032-0001']));
    expect(same.filter((x) => !x.existing)).toHaveLength(1);
    expect((await db.query<{ last: number }>('SELECT last FROM notice_counters WHERE year = 2032')).rows[0].last).toBe(1);
    // Different keys at once: distinct numbers, none skipped.
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => allocateNoticeId(db, 2033, `k-many-${i}`, 'd')));
    expect(many.map((x) => x.id).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `2033-000${i + 1}`));
  });

  test("a notice's step is written once however often it is retried, never backwards, and read back with the actors' names", async () => {
    const state = notice('2026-0901');
    const issued = step(state, 'issued', OFFICE.id, '2026-03-02T02:00:01.000Z');
    acknowledge(state, LIAISON, '2026-03-02T03:00:00.000Z');
    const acknowledged = step(state, 'acknowledged', LIAISON.id, '2026-03-02T03:00:00.000Z');

    for (const s of [issued, issued, acknowledged, acknowledged]) await db.tx((q) => writeNoticeEvent(q, s.state, s.event));
    // A retry of the first step arriving late does not move the row back.
    await db.tx((q) => writeNoticeEvent(q, issued.state, issued.event));

    const found = await getNotice(db, '2026-0901');
    expect(found?.unitName).toBe('计算机科学与技术学院');
    expect(found?.state.status).toBe('rectifying');
    expect(found?.state.version).toBe(2);
    expect(await getNoticeHeader(db, '2026-0901')).toEqual({ title: '投影测试', unit_id: 'cs', severity: 'high' });
    const timeline = await getTimeline(db, '2026-0901');
    expect(timeline.map((e) => [e.seq, e.type, e.actorId, e.actorName, e.data])).toEqual([
      [1, 'issued', OFFICE.id, '陈静', { n: 1 }],
      [2, 'acknowledged', LIAISON.id, '李娜', { n: 2 }],
    ]);
    const audit = await db.query<{ action: string; target_id: string }>(
      "SELECT action, target_id FROM audit_log WHERE target_type = 'notice' AND target_id = $1 ORDER BY seq",
      ['2026-0901'],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['notice.issued', 'notice.acknowledged']);
    expect(await getNotice(db, '2026-0999')).toBeNull();
    expect(await getNoticeHeader(db, '2026-0999')).toBeNull();

    // The detail's one statement reads what the three readers read.
    expect(await getNoticeDetail(db, '2026-0901')).toEqual({ ...found, incidentIds: [], timeline });
    for (const id of ['2026-E902', '2026-E901']) {
      await db.query(
        `INSERT INTO incidents (id, workflow_id, unit_id, title, type, grade, status, source, started_at, detected_at, report_due, recorded_at, version, state, updated_at)
         VALUES ($1, $2, 'cs', '网站篡改', 'defacement', 'general', 'open', 'office', now(), now(), now(), now(), 1, '{}', now())`,
        [id, `incident-${id}`],
      );
      await db.query("INSERT INTO incident_notice_links (incident_id, notice_id, linked_by) VALUES ($1, '2026-0901', 'p-chen-jing')", [id]);
    }
    const detail = await getNoticeDetail(db, '2026-0901');
    expect(detail).toEqual({ ...found, incidentIds: await incidentsOfNotice(db, '2026-0901'), timeline });
    expect(detail?.incidentIds).toEqual(['2026-E901', '2026-E902']);
    expect(await getNoticeDetail(db, '2026-0999')).toBeNull();
  });

  test('statements with parameters are prepared once per connection, and no more than a bounded number of them', async () => {
    // One connection (a transaction's): the same statement many times, then 600 distinct ones.
    const prepared = await db.tx(async (q) => {
      for (let i = 0; i < 20; i++) await q.query('SELECT $1::int + 1 AS n', [i]);
      const once = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + 1 AS n%'").catch(() => null);
      for (let i = 0; i < 600; i++) expect((await q.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [1])).rows[0].n).toBe(1 + i);
      const all = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements').catch(() => null);
      return { once: once?.rows[0].n, all: all?.rows[0].n };
    });
    if (backend === 'postgres') {
      expect(prepared.once).toBe(1);
      expect(prepared.all).toBeLessThanOrEqual(500);
      expect(prepared.all).toBeGreaterThan(100);
    }
  });
});
