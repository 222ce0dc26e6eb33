/**
 * Exactly once, as close as SMTP allows, when the worker is killed mid-send: a real dispatcher in
 * a child process is SIGKILLed (1) right after the SMTP server accepted the message, before the
 * outbox recorded it, and (2) while the server still held its reply to DATA. Either way nothing
 * is lost: when the lease expires another dispatcher sends the row again, with the same
 * Message-ID. In (1) the server receives the message twice and keeps one (duplicate suppression by
 * Message-ID, as receiving servers and mail clients can do): that window is what SMTP cannot close.
 * In (2) the server never accepted the first, and receives it once.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb, type Db } from '../../db/client';
import { migrate } from '../../db/migrate';
import { getPeople, importOrg, loadOrgFile } from '../../db/org';
import { createSmtpSender, messageIdFor } from '../../notifications/channels/smtp';
import { createDispatcher } from '../../notifications/dispatcher';
import { enqueueNotifications, getOutbox } from '../../notifications/outbox';
import { renderMessage } from '../../notifications/render';
import { testBackends } from '../support/db';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { SMALL_ORG } from '../support/stack';
import { eventually } from '../support/wait';

const ROOT = path.join(__dirname, '..', '..');
const CHILD = path.join(__dirname, 'fixtures', 'crash-child.ts');
const FROM = '网络安全工作责任制 <cyberduty@example.edu.cn>';
const LEASE_MS = 1500;

describe.each(testBackends())('a worker killed mid-send, on %s', (backend) => {
  // PGlite is one process at a time: the parent closes its database while the child runs.
  const where =
    backend === 'pglite'
      ? { pgliteDir: fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-crash-')) }
      : { databaseUrl: process.env.DATABASE_URL!, schema: `t_crash_${crypto.randomBytes(4).toString('hex')}` };
  let sink: SmtpSink;

  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const db = await openDb(where);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    await withDb(async (db) => {
      await migrate(db);
      await importOrg(db, loadOrgFile(SMALL_ORG), { source: 'test' });
    });
  });
  afterAll(async () => {
    await sink?.stop();
    if ('schema' in where) await withDb((db) => db.query(`DROP SCHEMA ${where.schema} CASCADE`));
    else fs.rmSync(where.pgliteDir, { recursive: true, force: true });
  });

  async function enqueueOne(key: string): Promise<void> {
    await withDb(async (db) => {
      const link = 'http://cyberduty.test/notices/2026-0042';
      await enqueueNotifications(
        db,
        {
          key,
          kind: 'overdue',
          ref: { kind: 'notice', id: '2026-0042' },
          unitId: 'cs',
          link,
          recipients: await getPeople(db, ['p-li-na']),
          render: (l) =>
            renderMessage('overdue', { noticeId: '2026-0042', title: '弱口令', unitName: '计算机科学与技术学院', severity: 'high', link, params: { deadline: 'rectify', due: '2026-03-02T16:00:00Z' } }, l),
        },
        { emailEnabled: true, timeZone: 'Asia/Shanghai' },
      );
    });
  }

  function runChild(mode: 'after-accept' | 'before-accept') {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', CHILD], {
      cwd: ROOT,
      env: { ...process.env, CHILD_DB: JSON.stringify(where), SMTP_URL: sink.url, SMTP_FROM: FROM, MODE: mode, LEASE_MS: String(LEASE_MS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, output })),
    );
    return { child, exited };
  }

  /** A dispatcher of the parent ("another worker") until the row is sent. */
  async function recover(key: string) {
    return withDb(async (db) => {
      const d = createDispatcher({
        db,
        senders: [createSmtpSender({ url: sink.url, from: FROM, tlsRejectUnauthorized: false, timeoutMs: 3000 })],
        pollMs: 100,
        leaseMs: 10000,
        owner: 'survivor',
      });
      d.start();
      try {
        const id = Number((await db.query<{ id: string }>('SELECT id FROM notification_outbox WHERE idempotency_key = $1', [`${key}:p-li-na:email`])).rows[0].id);
        return await eventually(async () => {
          const row = await getOutbox(db, id);
          return row?.status === 'sent' ? row : null;
        }, 20000, 'the row to be sent by the surviving dispatcher');
      } finally {
        await d.stop();
      }
    });
  }

  test('killed after the server accepted, before recording: resent once with the same Message-ID, kept once', async () => {
    const key = `${backend}-crash-after#1:overdue`;
    await enqueueOne(key);
    const { exited } = runChild('after-accept');
    const { signal, output } = await exited;
    expect(output).toContain('accepted');
    expect(signal).toBe('SIGKILL');
    const messageId = messageIdFor(`${key}:p-li-na:email`, FROM);
    expect(sink.transactions.filter((t) => t.messageId === messageId)).toHaveLength(1);
    // The row is still `sending` under the dead worker's lease: not lost, not yet resent.
    await withDb(async (db) => {
      const r = await db.query<{ status: string; lease_owner: string }>('SELECT status, lease_owner FROM notification_outbox WHERE idempotency_key = $1', [`${key}:p-li-na:email`]);
      expect(r.rows[0]).toEqual({ status: 'sending', lease_owner: 'child' });
    });

    const row = await recover(key);
    expect(row.attemptLog.map((a) => [a.attempt, a.worker, a.result])).toEqual([
      [1, 'child', 'lease_expired'],
      [2, 'survivor', 'sent'],
    ]);
    // The transport carried it twice (SMTP cannot know the first 250 was never recorded) with the
    // same Message-ID; the receiving side keeps one message.
    const carried = sink.transactions.filter((t) => t.messageId === messageId);
    expect(carried).toHaveLength(2);
    const delivered = sink.messages.filter((m) => m.messageId === messageId);
    expect(delivered).toHaveLength(1);
    expect(delivered[0].subject).toContain('已逾期');
  });

  test('killed while the server held its reply: never accepted, then delivered once', async () => {
    const key = `${backend}-crash-before#1:overdue`;
    await enqueueOne(key);
    const held = sink.holdNext();
    const { child, exited } = runChild('before-accept');
    await held;
    child.kill('SIGKILL');
    const { signal, output } = await exited;
    expect(signal).toBe('SIGKILL');
    expect(output).not.toContain('finished');
    const messageId = messageIdFor(`${key}:p-li-na:email`, FROM);
    expect(sink.transactions.filter((t) => t.messageId === messageId)).toHaveLength(0);

    const row = await recover(key);
    expect(row.attemptLog.map((a) => a.result)).toEqual(['lease_expired', 'sent']);
    expect(sink.transactions.filter((t) => t.messageId === messageId)).toHaveLength(1);
    expect(sink.messages.filter((m) => m.messageId === messageId)).toHaveLength(1);
  });
});
