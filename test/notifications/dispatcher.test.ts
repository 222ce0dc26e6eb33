/**
 * The dispatcher against a real SMTP server (smtp-server on 127.0.0.1) and a real HTTP receiver
 * for the robots (checking each platform's format and DingTalk's and Feishu's signatures), on
 * PGlite and (with DATABASE_URL) PostgreSQL. Faults: SMTP down then up, a webhook answering 500
 * then 200, rate limits, a wrong secret, a robot removed, attempts used up; the database away past a
 * lease just after a send and during one; two dispatchers at once.
 */
import type { Db } from '../../db/client';
import { getPeople, importOrg, loadOrgFile } from '../../db/org';
import { createRobotSender, fitText } from '../../notifications/channels/robots';
import { createSmtpSender, messageIdFor } from '../../notifications/channels/smtp';
import type { ChannelSender } from '../../notifications/channels/types';
import { backoffDelay, createDispatcher, type DispatchOutcome, type Dispatcher } from '../../notifications/dispatcher';
import { enqueueNotifications, getOutbox, retryOutbox, type EnqueueRequest } from '../../notifications/outbox';
import { renderMessage } from '../../notifications/render';
import { deleteRobot, putRobot } from '../../notifications/robots';
import type { NotificationSettings } from '../../notifications/settings';
import { openTestDb, testBackends } from '../support/db';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { SMALL_ORG } from '../support/stack';
import { eventually } from '../support/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const FROM = '网络安全工作责任制 <cyberduty@example.edu.cn>';
const ON: NotificationSettings = { emailEnabled: true, timeZone: 'Asia/Shanghai' };
const ROBOTS_ONLY: NotificationSettings = { emailEnabled: false, timeZone: 'Asia/Shanghai' };

test('backoff grows exponentially with jitter, capped', () => {
  expect([1, 2, 3, 4].map((a) => backoffDelay(a, 1000, 60000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
  expect([1, 2, 3, 4].map((a) => backoffDelay(a, 1000, 60000, () => 0))).toEqual([500, 1000, 2000, 4000]);
  expect(backoffDelay(20, 1000, 60000, () => 1)).toBe(60000);
});

test('a robot text that is too long is cut in the middle, keeping the subject and the link', () => {
  const link = 'http://cyberduty.test/notices/2026-0001';
  const m = { subject: '【网络安全】标题', body: `${'很长的理由'.repeat(300)}\n查看与办理：${link}\n致：李娜`, link };
  const t = fitText(m, 2048);
  expect(Buffer.byteLength(t)).toBeLessThanOrEqual(2048);
  expect(t.startsWith('【网络安全】标题\n很长的理由')).toBe(true);
  expect(t.endsWith(`…\n查看与办理：${link}\n致：李娜`)).toBe(true);
  expect(fitText({ ...m, body: 'short' }, 2048)).toBe('【网络安全】标题\nshort');
});

/** The database as the dispatcher sees it, made unreachable while `down` is set (the rows stay). */
function awayAtWill(db: Db): { db: Db; down: boolean } {
  const away = { down: false, db };
  const refused = () => Promise.reject(new Error('connect ECONNREFUSED (test: database away)'));
  away.db = { ...db, query: (...args: Parameters<Db['query']>) => (away.down ? refused() : db.query(...args)), tx: (fn) => (away.down ? refused() : db.tx(fn)) };
  return away;
}

describe.each(testBackends())('dispatcher on %s', (backend) => {
  let db: Db;
  let sink: SmtpSink;
  let hooks: WebhookReceiver;
  const dispatchers: Dispatcher[] = [];
  const outcomes: DispatchOutcome[] = [];

  beforeAll(async () => {
    db = await openTestDb(backend);
    await importOrg(db, loadOrgFile(SMALL_ORG), { source: 'test' });
    sink = await startSmtpSink();
    hooks = await startWebhookReceiver();
  });
  afterAll(async () => {
    for (const d of dispatchers) await d.stop();
    await hooks?.close();
    await sink?.stop();
    await db?.close();
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    // Leave nothing due for the next test.
    await db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status IN ('pending', 'sending')`);
  });

  function dispatcher(opts: { smtpUrl?: string; maxAttempts?: number; owner?: string } = {}): Dispatcher {
    const d = createDispatcher({
      db,
      senders: [
        createSmtpSender({ url: opts.smtpUrl ?? sink.url, from: FROM, tlsRejectUnauthorized: false, timeoutMs: 3000 }),
        createRobotSender('wecom', { timeoutMs: 3000 }),
        createRobotSender('dingtalk', { timeoutMs: 3000 }),
        createRobotSender('feishu', { timeoutMs: 3000 }),
      ],
      pollMs: 50,
      backoffBaseMs: 50,
      backoffMaxMs: 400,
      leaseMs: 10000,
      maxAttempts: opts.maxAttempts ?? 10,
      owner: opts.owner,
      onOutcome: (o) => outcomes.push(o),
    });
    dispatchers.push(d);
    d.start();
    return d;
  }

  let n = 0;
  async function enqueue(personIds: string[], over: Partial<EnqueueRequest> = {}, settings = ON): Promise<string> {
    n++;
    const noticeId = `2026-${String(n).padStart(4, '0')}`;
    const link = `http://cyberduty.test/notices/${noticeId}`;
    const key = `${backend}-${noticeId}#1:new_notice`;
    await enqueueNotifications(
      db,
      {
        key,
        kind: 'new_notice',
        ref: { kind: 'notice', id: noticeId },
        unitId: 'cs',
        link,
        recipients: await getPeople(db, personIds),
        render: (locale) =>
          renderMessage(
            'new_notice',
            { noticeId, title: '门户网站存在SQL注入漏洞', unitName: '计算机科学与技术学院', severity: 'high', link, params: { acknowledgeBy: '2026-03-02T16:00:00Z', rectifyBy: '2026-03-09T16:00:00Z' } },
            locale,
          ),
        ...over,
      },
      settings,
    );
    return key;
  }

  async function outboxRow(key: string) {
    const id = (await db.query<{ id: string }>('SELECT id FROM notification_outbox WHERE idempotency_key = $1', [key])).rows[0]?.id;
    return id ? getOutbox(db, Number(id)) : null;
  }

  const mailsFor = (key: string) => sink.messages.filter((m) => m.key?.startsWith(key));
  const robotPosts = (key: string) => hooks.messages.filter((m) => m.key?.startsWith(key));

  test('e-mail arrives with the right recipient, subject, body, link and a Message-ID from the key', async () => {
    dispatcher();
    const key = await enqueue(['p-li-na', 'p-lin-tao']);
    const mails = await eventually(() => Promise.resolve(mailsFor(key).length === 2 ? mailsFor(key) : null), 10000, 'two e-mails');
    const lina = mails.find((m) => m.rcptTo[0] === 'lina@example.edu.cn')!;
    expect(lina.to).toBe('"李娜" <lina@example.edu.cn>');
    expect(lina.from).toContain('cyberduty@example.edu.cn');
    expect(lina.subject).toMatch(/^【网络安全】门户网站存在SQL注入漏洞（2026-\d{4}，计算机科学与技术学院） 整改通知$/);
    expect(lina.text).toContain('请于2026-03-02 24:00（北京时间）前签收');
    expect(lina.text).toMatch(/查看与办理：http:\/\/cyberduty\.test\/notices\/2026-\d{4}/);
    expect(lina.messageId).toBe(messageIdFor(`${key}:p-li-na:email`, FROM));
    expect(lina.headers.get('auto-submitted')).toBe('auto-generated');
    const lin = mails.find((m) => m.rcptTo[0] === 'lintao@example.edu.cn')!;
    expect(lin.subject).toContain(': rectification notice');
    const row = await eventually(async () => {
      const r = await outboxRow(`${key}:p-li-na:email`);
      return r?.status === 'sent' ? r : null;
    }, 5000, 'the row to be recorded as sent');
    expect(row.attempts).toBe(1);
    expect(row.providerId).toMatch(/^250/);
    expect(row.sentAt).toBeTruthy();
  });

  test('robots: WeCom, signed DingTalk and signed Feishu get their documented payloads', async () => {
    hooks.setSecret('dt-cs', 'SECdingtalk-secret');
    hooks.setSecret('fs-cs', 'feishu-secret');
    await putRobot(db, { scope: 'unit', scopeId: 'cs', kind: 'dingtalk', webhookUrl: hooks.url('dingtalk', 'dt-cs'), secret: 'SECdingtalk-secret', enabled: true, updatedBy: 't' });
    await putRobot(db, { scope: 'unit', scopeId: 'cs', kind: 'feishu', webhookUrl: hooks.url('feishu', 'fs-cs'), secret: 'feishu-secret', enabled: true, updatedBy: 't' });
    await putRobot(db, { scope: 'person', scopeId: 'p-liu-yang', kind: 'wecom', webhookUrl: hooks.url('wecom', 'wc-ly'), secret: null, enabled: true, updatedBy: 't' });
    dispatcher();
    const key = await enqueue(['p-li-na', 'p-liu-yang'], {}, ROBOTS_ONLY);
    const posts = await eventually(() => Promise.resolve(robotPosts(key).length === 3 ? robotPosts(key) : null), 10000, 'three robot posts');
    expect(hooks.rejections.filter((r) => r.token)).toEqual([]);
    const dt = posts.find((p) => p.platform === 'dingtalk')!;
    // One group post, @-mentioning the unit's people it is for (刘洋 has his own WeCom robot only
    // for WeCom: for DingTalk he is in the group).
    expect(dt.token).toBe('dt-cs');
    expect(dt.mentions).toEqual(['13800000012', '13800000011']);
    expect(dt.text).toContain('整改通知');
    expect(dt.text).toMatch(/查看与办理：http:\/\/cyberduty\.test\/notices\//);
    expect(dt.text).toContain('致：李娜、刘洋');
    const fs = posts.find((p) => p.platform === 'feishu')!;
    expect(fs.body).toEqual(expect.objectContaining({ msg_type: 'text', timestamp: expect.any(String), sign: expect.any(String) }));
    const wc = posts.filter((p) => p.platform === 'wecom');
    expect(wc.map((p) => [p.token, p.mentions])).toEqual([['wc-ly', ['13800000011']]]);
    expect(wc[0].text.split('\n')[0]).toContain('整改通知');
    // 李娜 has no WeCom robot of hers nor one of her unit's: no WeCom for her.
    expect(posts.map((p) => p.platform).sort()).toEqual(['dingtalk', 'feishu', 'wecom']);
    // From here on: only 李娜's own WeCom robot.
    await deleteRobot(db, 'unit', 'cs', 'dingtalk');
    await deleteRobot(db, 'unit', 'cs', 'feishu');
    await deleteRobot(db, 'person', 'p-liu-yang', 'wecom');
    await putRobot(db, { scope: 'person', scopeId: 'p-li-na', kind: 'wecom', webhookUrl: hooks.url('wecom', 'wc-ln'), secret: null, enabled: true, updatedBy: 't' });
  });

  test('SMTP down at first, up later: delivered once, each failed attempt recorded', async () => {
    const later = await startSmtpSink({ listen: false });
    try {
      dispatcher({ smtpUrl: later.url });
      const key = await enqueue(['p-li-na']);
      await eventually(async () => ((await outboxRow(`${key}:p-li-na:email`))!.attempts >= 3 ? true : null), 10000, 'three failed attempts');
      await later.start();
      await eventually(() => Promise.resolve(later.messages.length === 1 ? true : null), 10000, 'the e-mail once the server is up');
      const row = await eventually(async () => {
        const r = await outboxRow(`${key}:p-li-na:email`);
        return r?.status === 'sent' ? r : null;
      }, 5000, 'sent');
      expect(later.transactions).toHaveLength(1);
      expect(row.attemptLog.slice(0, -1).every((a) => a.result === 'error' && /ECONNREFUSED|ECONNECTION/.test(a.error ?? ''))).toBe(true);
      expect(row.attemptLog.at(-1)!.result).toBe('sent');
    } finally {
      await later.stop();
    }
  });

  test('SMTP 451 then accepted: once; 550: failed at once, retried by hand', async () => {
    dispatcher();
    sink.refuseNext(2, 451);
    const key = await enqueue(['p-li-na']);
    const row = await eventually(async () => {
      const r = await outboxRow(`${key}:p-li-na:email`);
      return r?.status === 'sent' ? r : null;
    }, 10000, 'sent after two refusals');
    expect(row.attemptLog.map((a) => a.result)).toEqual(['error', 'error', 'sent']);
    expect(mailsFor(key)).toHaveLength(1);

    sink.refuseNext(1, 550);
    const key2 = await enqueue(['p-li-na']);
    const failed = await eventually(async () => {
      const r = await outboxRow(`${key2}:p-li-na:email`);
      return r?.status === 'failed' ? r : null;
    }, 10000, 'failed at once on 550');
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toContain('550');
    expect(await retryOutbox(db, failed.id, 'p-chen-jing')).toBe(true);
    await eventually(async () => ((await outboxRow(`${key2}:p-li-na:email`))!.status === 'sent' ? true : null), 10000, 'sent after the retry');
    expect(mailsFor(key2)).toHaveLength(1);
  });

  test('a webhook answering 500 then 200, or 200 with a rate-limit code: delivered once', async () => {
    dispatcher();
    hooks.failNext(2, { status: 500 });
    const key = await enqueue(['p-li-na'], {}, ROBOTS_ONLY);
    const row = await eventually(async () => {
      const r = await outboxRow(`${key}:p-li-na:wecom`);
      return r?.status === 'sent' ? r : null;
    }, 10000, 'sent after two 500s');
    expect(row.attemptLog.map((a) => [a.result, a.error?.slice(0, 14) ?? null])).toEqual([
      ['error', 'wecom: HTTP 50'],
      ['error', 'wecom: HTTP 50'],
      ['sent', null],
    ]);
    expect(robotPosts(key).filter((p) => p.platform === 'wecom')).toHaveLength(1);

    hooks.failNext(1, { errorBody: { errcode: 45009, errmsg: 'api freq out of limit' } });
    const key2 = await enqueue(['p-li-na'], {}, ROBOTS_ONLY);
    const row2 = await eventually(async () => {
      const r = await outboxRow(`${key2}:p-li-na:wecom`);
      return r?.status === 'sent' ? r : null;
    }, 10000, 'sent after a rate limit');
    expect(row2.attemptLog[0].error).toBe('wecom: error 45009 api freq out of limit');
    expect(robotPosts(key2).filter((p) => p.platform === 'wecom')).toHaveLength(1);
  });

  test('a wrong DingTalk secret fails at once (sign not match); fixed and retried by hand, it arrives', async () => {
    dispatcher();
    await putRobot(db, { scope: 'unit', scopeId: 'cs', kind: 'dingtalk', webhookUrl: hooks.url('dingtalk', 'dt-cs'), secret: 'wrong', enabled: true, updatedBy: 't' });
    const key = await enqueue(['p-li-na'], {}, ROBOTS_ONLY);
    const failed = await eventually(async () => {
      const r = await outboxRow(`${key}:unit:cs:dingtalk`);
      return r?.status === 'failed' ? r : null;
    }, 10000, 'failed');
    expect(failed.lastError).toBe('dingtalk: error 310000 sign not match');
    expect(hooks.rejections.some((r) => r.token === 'dt-cs' && r.reason.includes('310000'))).toBe(true);
    await putRobot(db, { scope: 'unit', scopeId: 'cs', kind: 'dingtalk', webhookUrl: hooks.url('dingtalk', 'dt-cs'), secret: 'SECdingtalk-secret', enabled: true, updatedBy: 't' });
    await retryOutbox(db, failed.id, 'p-chen-jing');
    await eventually(async () => ((await outboxRow(`${key}:unit:cs:dingtalk`))!.status === 'sent' ? true : null), 10000, 'sent with the right secret');
    expect(robotPosts(key).filter((p) => p.platform === 'dingtalk')).toHaveLength(1);
    await deleteRobot(db, 'unit', 'cs', 'dingtalk');
  });

  test('attempts used up: failed', async () => {
    dispatcher({ maxAttempts: 3 });
    hooks.failNext(1000, { status: 503 });
    try {
      const key = await enqueue(['p-li-na'], {}, ROBOTS_ONLY);
      const failed = await eventually(async () => {
        const r = await outboxRow(`${key}:p-li-na:wecom`);
        return r?.status === 'failed' ? r : null;
      }, 10000, 'failed after 3 attempts');
      expect(failed.attempts).toBe(3);
      expect(failed.attemptLog.map((a) => a.result)).toEqual(['error', 'error', 'error']);
      expect(outcomes.some((o) => o.message.id === failed.id && o.status === 'failed')).toBe(true);
    } finally {
      hooks.failNext(0);
    }
  });

  test('a disabled robot gets no rows; one removed before its rows were sent cancels them', async () => {
    await putRobot(db, { scope: 'unit', scopeId: 'cs', kind: 'feishu', webhookUrl: hooks.url('feishu', 'fs-cs'), secret: 'feishu-secret', enabled: false, updatedBy: 't' });
    const key = await enqueue(['p-li-na'], {}, ROBOTS_ONLY);
    expect(await outboxRow(`${key}:unit:cs:feishu`)).toBeNull();
    await putRobot(db, { scope: 'unit', scopeId: 'cs', kind: 'feishu', webhookUrl: hooks.url('feishu', 'fs-cs'), secret: 'feishu-secret', enabled: true, updatedBy: 't' });
    const key2 = await enqueue(['p-li-na'], {}, ROBOTS_ONLY);
    expect((await outboxRow(`${key2}:unit:cs:feishu`))!.status).toBe('pending');
    await deleteRobot(db, 'unit', 'cs', 'feishu');
    dispatcher();
    const row = await eventually(async () => {
      const r = await outboxRow(`${key2}:unit:cs:feishu`);
      return r?.status === 'cancelled' ? r : null;
    }, 10000, 'cancelled');
    expect(row.lastError).toBe('the feishu robot of unit:cs was removed or disabled');
    expect(robotPosts(key2).filter((p) => p.platform === 'feishu')).toHaveLength(0);
  });

  /**
   * One e-mail through a dispatcher whose database `send` takes away (and gives back) at will,
   * leases of 1 s; resolves once the row is sent and the time for a second send has passed.
   */
  async function throughAnOutage(send: (away: { down: boolean }, real: ChannelSender['send']) => ChannelSender['send'], concurrency?: number) {
    const away = awayAtWill(db);
    const smtp = createSmtpSender({ url: sink.url, from: FROM, tlsRejectUnauthorized: false, timeoutMs: 3000 });
    const d = createDispatcher({
      db: away.db,
      senders: [{ channel: 'email', send: send(away, (m, ctx) => smtp.send(m, ctx)), close: () => smtp.close?.() }],
      pollMs: 50,
      backoffBaseMs: 50,
      backoffMaxMs: 400,
      leaseMs: 1000,
      concurrency,
      onOutcome: (o) => outcomes.push(o),
    });
    dispatchers.push(d);
    const before = sink.transactions.length;
    const key = await enqueue(['p-li-na']);
    d.start();
    const row = await eventually(async () => {
      const r = await outboxRow(`${key}:p-li-na:email`);
      return r?.status === 'sent' ? r : null;
    }, 15000, 'sent once the database is back');
    // Past the point where the lease would have been reaped and the message sent again.
    await new Promise((r) => setTimeout(r, 1500));
    return { row, transactions: sink.transactions.slice(before).filter((t) => t.key?.startsWith(key)) };
  }

  test('the database away just after a send, past the lease: recorded once it is back, sent once', async () => {
    // The outage begins as the SMTP server accepts (the record is the next statement) and lasts
    // three leases; the dispatcher must hold on to its success rather than let the lease run out
    // and send again (seen in test/ops/durability.test.ts: a robot post twice).
    let tripped = false;
    const { row, transactions } = await throughAnOutage((away, real) => async (m, ctx) => {
      const r = await real(m, ctx);
      if (!tripped) {
        tripped = away.down = true;
        setTimeout(() => (away.down = false), 3000);
      }
      return r;
    });
    expect(transactions).toHaveLength(1);
    expect(row.attempts).toBe(1);
    expect(row.attemptLog.map((a) => a.result)).toEqual(['sent']);
  });

  test('the database away during a slow send, past the lease, back before it ends: sent once', async () => {
    // The send outlives the outage (the server slow to answer): when the database is back, the
    // row's lease has run out while its send is still ours and in flight. Reaping it then would
    // send it again; the dispatcher renews its own leases before it reaps.
    let tripped = false;
    const { row, transactions } = await throughAnOutage((away, real) => async (m, ctx) => {
      if (!tripped) {
        tripped = away.down = true;
        setTimeout(() => (away.down = false), 2000);
        await new Promise((r) => setTimeout(r, 3500));
      }
      return real(m, ctx);
    }, 2);
    expect(transactions).toHaveLength(1);
    expect(row.attemptLog.map((a) => a.result)).toEqual(['sent']);
  });

  test('two dispatchers on one database deliver 60 messages exactly once', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 15; i++) keys.push(await enqueue(['p-li-na', 'p-liu-wei', 'p-xu-jing', 'p-zhang-wei'], {}, ON));
    const before = sink.transactions.length;
    dispatcher({ owner: 'one' });
    dispatcher({ owner: 'two' });
    await eventually(() => Promise.resolve(sink.transactions.length - before >= 60 ? true : null), 20000, '60 e-mails');
    const ids = sink.transactions.slice(before).map((t) => t.messageId);
    expect(new Set(ids).size).toBe(60);
    const rows = await db.query<{ attempts: number; status: string }>(
      `SELECT attempts, status FROM notification_outbox WHERE channel = 'email' AND idempotency_key = ANY($1::text[])`,
      [keys.flatMap((k) => ['p-li-na', 'p-liu-wei', 'p-xu-jing', 'p-zhang-wei'].map((p) => `${k}:${p}:email`))],
    );
    await eventually(async () => {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'sent' AND channel = 'email' AND idempotency_key = ANY($1::text[])`,
        [keys.flatMap((k) => ['p-li-na', 'p-liu-wei', 'p-xu-jing', 'p-zhang-wei'].map((p) => `${k}:${p}:email`))],
      );
      return r.rows[0].n === 60;
    }, 5000, 'all 60 recorded as sent');
    expect(rows.rows).toHaveLength(60);
    expect(rows.rows.every((r) => r.attempts === 1)).toBe(true);
  });
});
