/**
 * The outbox on PGlite and (with DATABASE_URL) PostgreSQL: what one event enqueues per person and
 * channel (defaults, preferences, robots per unit and per person, e-mail off), idempotency of a
 * retried enqueue, and the claim / lease / record / retry protocol the dispatcher uses.
 */
import type { Db } from '../../db/client';
import { getPeople, importOrg, loadOrgFile } from '../../db/org';
import {
  claimDue,
  enqueueNotifications,
  getOutbox,
  listOutbox,
  reapExpiredLeases,
  recordFailure,
  recordSent,
  releaseClaimed,
  retryOutbox,
  type EnqueueRequest,
} from '../../notifications/outbox';
import { setPreferences } from '../../notifications/preferences';
import { renderMessage } from '../../notifications/render';
import { putRobot } from '../../notifications/robots';
import type { NotificationSettings } from '../../notifications/settings';
import { openTestDb, testBackends } from '../support/db';
import { SMALL_ORG } from '../support/stack';
import { eventually } from '../support/wait';

const ON: NotificationSettings = { emailEnabled: true, timeZone: 'Asia/Shanghai' };
const LINK = 'http://cyberduty.test/notices/2026-0001';

describe.each(testBackends())('outbox on %s', (backend) => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb(backend);
    await importOrg(db, loadOrgFile(SMALL_ORG), { source: 'test' });
  });
  afterAll(async () => {
    await db?.close();
  });

  let n = 0;
  async function request(personIds: string[], over: Partial<EnqueueRequest> = {}): Promise<EnqueueRequest> {
    n++;
    return {
      key: `2026-0001#${n}:new_notice`,
      kind: 'new_notice',
      ref: { kind: 'notice', id: '2026-0001' },
      unitId: 'cs',
      link: LINK,
      recipients: await getPeople(db, personIds),
      render: (locale) =>
        renderMessage(
          'new_notice',
          { noticeId: '2026-0001', title: '测试', unitName: locale === 'en' ? 'Computer Science' : '计算机学院', severity: 'high', link: LINK, params: { acknowledgeBy: '2026-03-02T16:00:00Z', rectifyBy: '2026-03-09T16:00:00Z' } },
          locale,
        ),
      ...over,
    };
  }

  async function rows(key: string) {
    return (
      await db.query<{ idempotency_key: string; channel: string; recipient: string; person_id: string | null; status: string; subject: string; body: string; payload: unknown }>(
        `SELECT idempotency_key, channel, recipient, person_id, status, subject, body, payload FROM notification_outbox
          WHERE idempotency_key LIKE $1 || '%' ORDER BY idempotency_key`,
        [key],
      )
    ).rows;
  }

  test('defaults: in-app always (as sent), e-mail when on and the person has an address, once per key', async () => {
    const req = await request(['p-li-na', 'p-lin-tao']);
    const first = await enqueueNotifications(db, req, ON);
    expect(first).toEqual({ recipients: 2, queued: 2 });
    const again = await enqueueNotifications(db, req, ON);
    expect(again).toEqual({ recipients: 2, queued: 0 });

    const r = await rows(req.key);
    expect(r.map((x) => [x.idempotency_key, x.status])).toEqual([
      [`${req.key}:p-li-na:email`, 'pending'],
      [`${req.key}:p-li-na:inapp`, 'sent'],
      [`${req.key}:p-lin-tao:email`, 'pending'],
      [`${req.key}:p-lin-tao:inapp`, 'sent'],
    ]);
    const linaMail = r.find((x) => x.idempotency_key.endsWith('p-li-na:email'))!;
    expect(linaMail.recipient).toBe('lina@example.edu.cn');
    expect(linaMail.subject).toContain('整改通知');
    expect(linaMail.body).toContain('请于2026-03-02 24:00（北京时间）前签收');
    expect(linaMail.body).toContain('请勿直接回复');
    // 林涛 reads English.
    const linMail = r.find((x) => x.idempotency_key.endsWith('p-lin-tao:email'))!;
    expect(linMail.subject).toContain('rectification notice');
    expect(linMail.body).toContain('Computer Science');

    const inbox = await db.query<{ person_id: string; subject: string }>('SELECT person_id, subject FROM inbox_messages WHERE dedupe_key LIKE $1', [`${req.key}:%`]);
    expect(inbox.rows.map((x) => x.person_id).sort()).toEqual(['p-li-na', 'p-lin-tao']);
  });

  test('e-mail off: in-app only', async () => {
    const req = await request(['p-li-na']);
    expect(await enqueueNotifications(db, req, { ...ON, emailEnabled: false })).toEqual({ recipients: 1, queued: 0 });
    expect((await rows(req.key)).map((x) => x.channel)).toEqual(['inapp']);
  });

  test('a unit robot posts once in the group for the unit’s own people; a person’s robot and preferences win', async () => {
    await putRobot(db, { scope: 'unit', scopeId: 'cs', kind: 'dingtalk', webhookUrl: 'http://127.0.0.1:9/robot/send?access_token=cs', secret: 's', enabled: true, updatedBy: 'test' });
    await putRobot(db, { scope: 'person', scopeId: 'p-liu-yang', kind: 'dingtalk', webhookUrl: 'http://127.0.0.1:9/robot/send?access_token=ly', secret: null, enabled: true, updatedBy: 'test' });
    // 李娜 and 刘伟 (liaison, leadership member of cs) are in the group; 刘洋 has his own robot;
    // 陈静 (office) is not a member of cs; 张伟 chose e-mail only for new notices.
    await setPreferences(db, 'p-zhang-wei', { new_notice: ['email'] });
    const req = await request(['p-li-na', 'p-liu-wei', 'p-liu-yang', 'p-chen-jing', 'p-zhang-wei']);
    await enqueueNotifications(db, req, ON);
    const r = await rows(req.key);
    const robots = r.filter((x) => x.channel === 'dingtalk');
    expect(robots.map((x) => [x.idempotency_key, x.recipient, x.person_id])).toEqual([
      [`${req.key}:p-liu-yang:dingtalk`, 'person:p-liu-yang', 'p-liu-yang'],
      [`${req.key}:unit:cs:dingtalk`, 'unit:cs', null],
    ]);
    const group = robots.find((x) => x.recipient === 'unit:cs')!;
    expect(group.body).toMatch(/致：李娜、刘伟$/);
    expect(group.payload).toEqual({
      robot: { scope: 'unit', scopeId: 'cs', kind: 'dingtalk' },
      mentions: [
        { id: 'p-li-na', name: '李娜', phone: '13800000012' },
        { id: 'p-liu-wei', name: '刘伟', phone: '13800000013' },
      ],
    });
    expect(r.filter((x) => x.person_id === 'p-zhang-wei').map((x) => x.channel).sort()).toEqual(['email', 'inapp']);
    // Preferences are per category: a reminder still reaches 张伟 by every channel.
    const reminder = await request(['p-zhang-wei'], { kind: 'reminder' });
    await enqueueNotifications(db, reminder, ON);
    expect((await rows(reminder.key)).map((x) => x.channel).sort()).toEqual(['dingtalk', 'email', 'inapp']);
    // Opting out of e-mail and robots leaves the inbox.
    await setPreferences(db, 'p-li-na', { new_notice: [] });
    const quiet = await request(['p-li-na']);
    await enqueueNotifications(db, quiet, ON);
    expect((await rows(quiet.key)).map((x) => x.channel)).toEqual(['inapp']);
    await setPreferences(db, 'p-li-na', { new_notice: null });
  });

  test('claim takes due rows once, with a lease and an attempt; success and failure are recorded', async () => {
    await db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status = 'pending'`);
    const req = await request(['p-li-na', 'p-liu-wei']);
    await enqueueNotifications(db, req, { ...ON, emailEnabled: true });
    const owner = 'w1';
    const claimed = await claimDue(db, { limit: 10, channels: ['email'], owner, leaseMs: 60000 });
    expect(claimed.map((m) => [m.recipient, m.attempt])).toEqual([
      ['lina@example.edu.cn', 1],
      ['liuwei@example.edu.cn', 1],
    ]);
    expect(await claimDue(db, { limit: 10, channels: ['email'], owner: 'w2', leaseMs: 60000 })).toEqual([]);
    const [a, b] = claimed;
    await recordSent(db, a, '250 OK');
    expect(await recordFailure(db, b, { owner: 'someone-else', error: 'x', permanent: false, maxAttempts: 3, delayMs: 0 })).toBeNull();
    expect(await recordFailure(db, b, { owner, error: 'ECONNREFUSED', permanent: false, maxAttempts: 3, delayMs: 0 })).toBe('pending');

    const sent = await getOutbox(db, a.id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, providerId: '250 OK' });
    expect(sent!.attemptLog).toEqual([expect.objectContaining({ attempt: 1, worker: owner, result: 'sent', detail: '250 OK' })]);

    // b: attempt 2 and 3 fail; with maxAttempts 3 it is failed, and a retry by hand grants 3 more.
    for (const expected of ['pending', 'failed']) {
      const [again] = await claimDue(db, { limit: 10, channels: ['email'], owner, leaseMs: 60000 });
      expect(again.id).toBe(b.id);
      expect(await recordFailure(db, again, { owner, error: 'ECONNREFUSED', permanent: false, maxAttempts: 3, delayMs: 0 })).toBe(expected);
    }
    expect(await claimDue(db, { limit: 10, channels: ['email'], owner, leaseMs: 60000 })).toEqual([]);
    const failed = await listOutbox(db, { status: 'failed', page: 1, pageSize: 10 });
    expect(failed.items.map((x) => [x.id, x.attempts, x.lastError, x.personName])).toEqual([[b.id, 3, 'ECONNREFUSED', '刘伟']]);

    expect(await retryOutbox(db, a.id, 'p-chen-jing')).toBe(false);
    expect(await retryOutbox(db, 999999, 'p-chen-jing')).toBeNull();
    expect(await retryOutbox(db, b.id, 'p-chen-jing')).toBe(true);
    const [retried] = await claimDue(db, { limit: 10, channels: ['email'], owner, leaseMs: 60000 });
    expect(retried).toMatchObject({ id: b.id, attempt: 4 });
    expect(await recordFailure(db, retried, { owner, error: 'ECONNREFUSED', permanent: false, maxAttempts: 3, delayMs: 0 })).toBe('pending');
    const [last] = await claimDue(db, { limit: 10, channels: ['email'], owner, leaseMs: 60000 });
    await recordSent(db, last, '250 OK');
    const view = await getOutbox(db, b.id);
    expect(view).toMatchObject({ status: 'sent', attempts: 5, retriedBy: 'p-chen-jing' });
    expect(view!.attemptLog.map((x) => x.result)).toEqual(['error', 'error', 'error', 'error', 'sent']);
  });

  test('a permanent refusal fails at once; a backoff delays the next claim', async () => {
    await db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status = 'pending'`);
    const req = await request(['p-li-na', 'p-liu-wei']);
    await enqueueNotifications(db, req, ON);
    const [a, b] = await claimDue(db, { limit: 10, channels: ['email'], owner: 'w', leaseMs: 60000 });
    expect(await recordFailure(db, a, { owner: 'w', error: '550 no such user', permanent: true, maxAttempts: 10, delayMs: 0 })).toBe('failed');
    expect(await recordFailure(db, b, { owner: 'w', error: 'timeout', permanent: false, maxAttempts: 10, delayMs: 3600000 })).toBe('pending');
    expect(await claimDue(db, { limit: 10, channels: ['email'], owner: 'w', leaseMs: 60000 })).toEqual([]);
    const due = await db.query<{ later: boolean }>('SELECT next_attempt_at > now() + interval \'59 minutes\' AS later FROM notification_outbox WHERE id = $1', [b.id]);
    expect(due.rows[0].later).toBe(true);
  });

  test('a lease that runs out (the worker died mid-send) puts the row back, the attempt marked unknown', async () => {
    await db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status = 'pending'`);
    const req = await request(['p-li-na']);
    await enqueueNotifications(db, req, ON);
    const [m] = await claimDue(db, { limit: 10, channels: ['email'], owner: 'dead', leaseMs: 200 });
    expect(await reapExpiredLeases(db, 10)).toBe(0);
    await eventually(async () => (await reapExpiredLeases(db, 10)) === 1, 10000, 'the lease to expire');
    const [again] = await claimDue(db, { limit: 10, channels: ['email'], owner: 'alive', leaseMs: 60000 });
    expect(again).toMatchObject({ id: m.id, attempt: 2, key: m.key });
    // The dead worker's late failure report is ignored: the row is someone else's now.
    expect(await recordFailure(db, m, { owner: 'dead', error: 'late', permanent: false, maxAttempts: 10, delayMs: 0 })).toBeNull();
    await recordSent(db, again, '250 OK');
    const view = await getOutbox(db, m.id);
    expect(view!.attemptLog.map((x) => [x.attempt, x.worker, x.result])).toEqual([
      [1, 'dead', 'lease_expired'],
      [2, 'alive', 'sent'],
    ]);
  });

  test('rows claimed but not sent are given back by a stopping dispatcher', async () => {
    await db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status = 'pending'`);
    const req = await request(['p-li-na']);
    await enqueueNotifications(db, req, ON);
    const [m] = await claimDue(db, { limit: 10, channels: ['email'], owner: 'stopping', leaseMs: 60000 });
    await releaseClaimed(db, 'someone-else', [m.id]);
    expect(await claimDue(db, { limit: 10, channels: ['email'], owner: 'w', leaseMs: 60000 })).toEqual([]);
    await releaseClaimed(db, 'stopping', [m.id]);
    const [again] = await claimDue(db, { limit: 10, channels: ['email'], owner: 'w', leaseMs: 60000 });
    expect(again).toMatchObject({ id: m.id, attempt: 1 });
    expect((await getOutbox(db, m.id))!.attemptLog.map((a) => [a.attempt, a.worker, a.result])).toEqual([[1, 'w', 'started']]);
  });

  test('concurrent claims never take the same row', async () => {
    await db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status = 'pending'`);
    const people = ['p-li-na', 'p-liu-wei', 'p-liu-yang', 'p-zhang-wei', 'p-xu-jing', 'p-chen-jing', 'p-lin-tao', 'p-he-bin'];
    for (let i = 0; i < 5; i++) await enqueueNotifications(db, await request(people), ON);
    const batches = await Promise.all(
      Array.from({ length: 6 }, (_, i) => claimDue(db, { limit: 8, channels: ['email'], owner: `w${i}`, leaseMs: 60000 })),
    );
    const ids = batches.flat().map((m) => m.id);
    expect(ids.length).toBe(40);
    expect(new Set(ids).size).toBe(40);
  });
});
