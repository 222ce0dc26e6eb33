/**
 * The audit trail on the real stack (Art. 10): writes through the API and the workflow, refused
 * logins and exports are appended to one hash chain; the chain verifies, in the database and
 * offline; deleting, editing or reordering one entry directly in the database is reported at that
 * entry.
 */
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';
import { SignJWT } from 'jose';
import { EMBEDDED_ISSUER } from '../../api/auth';
import { createNoticeActivities } from '../../activities/notices';
import { createProposalActivities } from '../../activities/proposals';
import { appendAuditEntries, appendAuditTx, auditHead, auditQueue, verifyAudit } from '../../db/audit';
import { createPrcCalendar } from '../../domain/calendar';
import { entryHash, type AuditEntry } from '../../domain/audit-chain';
import type { NoticeState } from '../../domain/notice';
import type { ProposalState } from '../../domain/accountability';

const OFFICE = 'p-chen-jing';
const CS_LIAISON = 'p-li-na';
const INSPECTOR = 'p-guo-fang';
const AUDITOR = 'p-ma-xiaodong';
const ROOT = path.join(__dirname, '..', '..');

let s: Stack;
let tmp: string;
beforeAll(async () => {
  s = await startStack();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-audit-'));
});
afterAll(async () => {
  await s?.shutdown();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const rid = (what: string) => `${what}-${crypto.randomBytes(4).toString('hex')}`;

async function post(personId: string, url: string, requestId: string, body: object = {}) {
  return request(s.app)
    .post(url)
    .set('Authorization', `Bearer ${await s.tokens.sign(personId)}`)
    .set('X-Request-Id', requestId)
    .send(body);
}

async function audit(query: Record<string, string | number> = {}, personId = AUDITOR): Promise<AuditEntry[]> {
  const res = await request(s.app)
    .get('/api/audit')
    .query({ pageSize: 200, ...query })
    .set('Authorization', `Bearer ${await s.tokens.sign(personId)}`);
  expect(res.status).toBe(200);
  return res.body.items;
}

/** The entry of a request, once appended (API entries are appended when the response is done). */
async function entryOf(requestId: string, action?: string): Promise<AuditEntry> {
  return eventually(
    async () => (await audit(action ? { action } : {})).find((e) => e.requestId === requestId),
    10000,
    `the audit entry of request ${requestId}`,
  );
}

async function verify(query: Record<string, string> = {}) {
  const res = await request(s.app)
    .get('/api/audit/verify')
    .query(query)
    .set('Authorization', `Bearer ${await s.tokens.sign(INSPECTOR)}`);
  expect(res.status).toBe(200);
  return res.body as { ok: boolean; count: number; head: { seq: number; hash: string } | null; firstBroken?: { seq: number; reason: string } };
}

async function exportLog(personId = AUDITOR, requestId = rid('export')) {
  return request(s.app)
    .get('/api/audit/export')
    .set('Authorization', `Bearer ${await s.tokens.sign(personId)}`)
    .set('X-Request-Id', requestId)
    .buffer(true)
    .parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => cb(null, text));
    });
}

function verifyOffline(file: string, ...extra: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'audit:verify', '--', file, ...extra], { cwd: ROOT }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

/** A token like the embedded issuer's, signed with another key. */
async function forge(personId: string) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(personId)
    .setIssuer(EMBEDDED_ISSUER)
    .setAudience('cyberduty')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(crypto.randomBytes(32));
}

const noticeBody = {
  unitId: 'cs',
  title: '审计测试：弱口令',
  category: 'vulnerability',
  severity: 'high',
  description: '运维账号使用弱口令 Admin@123，请立即整改。',
};

let noticeId: string;

test('lifecycle writes are audited from the API (actor, route, target, request id) and from the workflow (same transaction)', async () => {
  const issueReq = rid('issue');
  const created = await post(OFFICE, '/api/notices', issueReq, noticeBody);
  expect(created.status).toBe(201);
  noticeId = created.body.id;
  const ackReq = rid('ack');
  expect((await post(CS_LIAISON, `/api/notices/${noticeId}/acknowledge`, ackReq)).status).toBe(200);

  const issued = await entryOf(issueReq);
  expect(issued).toMatchObject({
    actorId: OFFICE,
    action: 'POST /api/notices',
    targetType: 'notice',
    targetId: noticeId,
    outcome: 'ok',
    details: { status: 201 },
    idempotencyKey: null,
  });
  const acked = await entryOf(ackReq);
  expect(acked).toMatchObject({
    actorId: CS_LIAISON,
    action: 'POST /api/notices/:id/acknowledge',
    targetType: 'notice',
    targetId: noticeId,
    outcome: 'ok',
    details: { status: 200, params: { id: noticeId } },
  });

  // The workflow's entries, keyed by (notice, seq), written with the timeline row.
  const forNotice = await audit({ targetType: 'notice', targetId: noticeId });
  const wf = forNotice.filter((e) => e.idempotencyKey !== null);
  expect(wf.map((e) => [e.action, e.actorId, e.idempotencyKey]).reverse()).toEqual([
    ['notice.issued', OFFICE, `notice:${noticeId}:1`],
    ['notice.acknowledged', CS_LIAISON, `notice:${noticeId}:2`],
  ]);
  expect(wf[0].details).toMatchObject({ seq: 2, status: 'rectifying', workflowId: `notice-${noticeId}` });
  // The workflow records before the update returns, so its entry comes before the API's.
  expect(wf[0].seq).toBeLessThan(acked.seq);
  // Newest first.
  expect(forNotice.map((e) => e.seq)).toEqual([...forNotice.map((e) => e.seq)].sort((a, b) => b - a));

  // A refused write is audited too, with the status.
  const reviewReq = rid('review');
  const refused = await post(CS_LIAISON, `/api/notices/${noticeId}/review`, reviewReq, { decision: 'accept', comment: '自己审核' });
  expect(refused.status).toBe(403);
  expect(await entryOf(reviewReq)).toMatchObject({
    actorId: CS_LIAISON,
    action: 'POST /api/notices/:id/review',
    targetId: noticeId,
    outcome: 'refused',
    details: { status: 403 },
  });
  const badReq = rid('bad');
  expect((await post(OFFICE, '/api/notices', badReq, { unitId: 'cs' })).status).toBe(400);
  expect(await entryOf(badReq)).toMatchObject({ action: 'POST /api/notices', outcome: 'refused', targetId: null, details: { status: 400 } });

  // Bodies never reach the log: no title, no description, no comment.
  const all = JSON.stringify(await audit());
  for (const secret of ['弱口令', 'Admin@123', '自己审核']) expect(all).not.toContain(secret);
});

test('every refused login is audited as auth.refused with a reason code, the client address and the request id', async () => {
  const attempts: Array<[string, string | undefined, string, string | null]> = [
    [rid('nologin'), undefined, 'missing_token', null],
    [rid('garbage'), 'Bearer not-a-jwt', 'malformed', null],
    [rid('expired'), `Bearer ${await s.tokens.sign(OFFICE, '-1h')}`, 'expired', null],
    [rid('forged'), `Bearer ${await forge(OFFICE)}`, 'bad_signature', null],
    [rid('nobody'), `Bearer ${await s.tokens.sign('p-nobody')}`, 'unknown_person', 'p-nobody'],
  ];
  for (const [requestId, authorization, reason, actorId] of attempts) {
    let req = request(s.app).post('/api/notices').set('X-Request-Id', requestId);
    if (authorization) req = req.set('Authorization', authorization);
    const res = await req.send(noticeBody);
    expect(res.status).toBe(401);
    // Appended before the 401 is answered.
    const e = (await audit({ action: 'auth.refused' })).find((x) => x.requestId === requestId);
    expect(e).toMatchObject({ action: 'auth.refused', outcome: 'refused', actorId, details: { reason, status: 401 } });
    expect(typeof e?.details.ip).toBe('string');
  }
  // An unverified subject is a detail, never the actor.
  const expired = (await audit({ action: 'auth.refused' })).find((x) => x.requestId === attempts[2][0]);
  expect(expired?.details.claimedSubject).toBe(OFFICE);
  // Reads are refused and audited alike; no write entry follows a refused login.
  const readReq = rid('read401');
  expect((await request(s.app).get('/api/notices').set('X-Request-Id', readReq)).status).toBe(401);
  expect((await audit()).filter((x) => x.requestId === readReq).map((x) => x.action)).toEqual(['auth.refused']);
});

test('only the office and the inspection and audit offices read, verify and export the audit log', async () => {
  for (const who of [OFFICE, INSPECTOR, AUDITOR]) {
    const bearer = `Bearer ${await s.tokens.sign(who)}`;
    expect((await request(s.app).get('/api/audit').set('Authorization', bearer)).status).toBe(200);
    expect((await request(s.app).get('/api/audit/verify').set('Authorization', bearer)).status).toBe(200);
    expect((await exportLog(who)).status).toBe(200);
  }
  // Party secretary, cybersecurity leader, committees, supervising leader, the unit's people.
  for (const who of ['p-wang-jianguo', 'p-zhao-hongyu', 'p-liu-chang', 'p-he-yun', 'p-zhou-wenbin', 'p-zhang-wei', 'p-liu-yang', CS_LIAISON, 'p-liu-wei']) {
    const bearer = `Bearer ${await s.tokens.sign(who)}`;
    for (const url of ['/api/audit', '/api/audit/verify', '/api/audit/export']) {
      const res = await request(s.app).get(url).set('Authorization', bearer);
      expect([who, url, res.status]).toEqual([who, url, 403]);
    }
  }
  const bad = await request(s.app)
    .get('/api/audit')
    .query({ from: 'yesterday' })
    .set('Authorization', `Bearer ${await s.tokens.sign(AUDITOR)}`);
  expect(bad.status).toBe(400);
  // Filters and paging.
  const page = await request(s.app)
    .get('/api/audit')
    .query({ actorId: CS_LIAISON, pageSize: 1, page: 2 })
    .set('Authorization', `Bearer ${await s.tokens.sign(AUDITOR)}`);
  expect(page.body).toMatchObject({ page: 2, pageSize: 1 });
  expect(page.body.total).toBeGreaterThanOrEqual(3);
  expect(page.body.items).toHaveLength(1);
  expect(page.body.items[0].actorId).toBe(CS_LIAISON);
  const future = await audit({ from: new Date(Date.now() + 3600_000).toISOString() });
  expect(future).toEqual([]);
});

test('a retried record activity appends its audit entry once, and takes no seq the second time', async () => {
  const notices = createNoticeActivities({ db: s.db, publicUrl: 'http://cyberduty.test', calendar: createPrcCalendar() });
  const row = await s.db.query<{ state: NoticeState }>('SELECT state FROM notices WHERE id = $1', [noticeId]);
  const id = `${noticeId}-R`;
  const state: NoticeState = { ...row.rows[0].state, id, escalations: [], version: 1 };
  const event = { seq: 1, type: 'issued' as const, actorId: OFFICE, at: new Date().toISOString(), data: {} };
  await notices.recordNoticeEvent({ state, event });
  const head = await auditHead(s.db);
  await notices.recordNoticeEvent({ state, event }); // the retry
  expect(await auditHead(s.db)).toEqual(head);
  expect((await audit({ targetId: id })).map((e) => e.idempotencyKey)).toEqual([`notice:${id}:1`]);

  const proposals = createProposalActivities({ db: s.db, publicUrl: 'http://cyberduty.test' });
  const at = new Date().toISOString();
  const p = {
    id: `${noticeId}-P`,
    unitId: 'cs',
    trigger: 'overdue',
    status: 'draft',
    origin: { kind: 'office' },
    factsAt: at,
    createdAt: at,
    version: 1,
  } as unknown as ProposalState;
  const pEvent = { seq: 1, type: 'created' as const, actorId: OFFICE, at, data: {} };
  await proposals.recordProposalEvent({ state: p, event: pEvent });
  await proposals.recordProposalEvent({ state: p, event: pEvent });
  expect((await audit({ targetType: 'proposal', targetId: p.id })).map((e) => [e.action, e.idempotencyKey])).toEqual([
    ['proposal.created', `proposal:${p.id}:1`],
  ]);
});

test('concurrent appends never fork the chain', async () => {
  const before = (await auditHead(s.db))?.seq ?? 0;
  const appended = await Promise.all(
    Array.from({ length: 30 }, (_, i) => appendAuditTx(s.db, { action: 'test.concurrent', actorId: OFFICE, details: { i } })),
  );
  expect(appended.map((e) => e?.seq).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 30 }, (_, i) => before + i + 1));
  expect(await verifyAudit(s.db, { pageSize: 7 })).toMatchObject({ ok: true });
});

test('the write entries\' queue appends what came during an append together, in order, with the appends of steps between; a refused entry costs only itself', async () => {
  const before = (await auditHead(s.db))?.seq ?? 0;
  const failed: Array<{ action: string; err: unknown }> = [];
  const queue = auditQueue(s.db, (input, err) => failed.push({ action: input.action, err }));
  // The first goes at once; the next nine wait for it and go together. Meanwhile steps append on
  // their own connections (workflow entries with keys), interleaving with the queue's appends.
  for (let i = 0; i < 10; i++) queue.append({ action: 'test.queued', actorId: OFFICE, details: { i } });
  const steps = Promise.all(Array.from({ length: 5 }, (_, i) => appendAuditTx(s.db, { action: 'test.step', idempotencyKey: rid(`queue-test-step-${i}`) })));
  // One the database refuses (a NUL byte in text), among good ones.
  queue.append({ action: 'test.queued', actorId: OFFICE, details: { i: 10 } });
  queue.append({ action: 'test.queued\u0000refused', actorId: OFFICE });
  queue.append({ action: 'test.queued', actorId: OFFICE, details: { i: 11 } });
  await Promise.all([queue.drain(), steps]);
  const queued = (await audit({ action: 'test.queued' })).filter((e) => e.seq > before).sort((a, b) => a.seq - b.seq);
  expect(queued.map((e) => (e.details as { i: number }).i)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  expect(failed.map((f) => f.action)).toEqual(['test.queued\u0000refused']);
  expect(((await auditHead(s.db))?.seq ?? 0) - before).toBe(17);
  expect(await verifyAudit(s.db, { pageSize: 7 })).toMatchObject({ ok: true });
  // Entries with idempotency keys are the steps': one at a time, never in a batch.
  await expect(s.db.tx((q) => appendAuditEntries(q, [{ action: 'test.keyed', idempotencyKey: 'k' }]))).rejects.toThrow(/one at a time/);
});

test('an export is audited, verifies offline with the documented command, and a tampered file does not', async () => {
  const requestId = rid('export');
  const res = await exportLog(AUDITOR, requestId);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('application/x-ndjson');
  const text = res.body as string;
  const lines = text.trimEnd().split('\n');
  const entries = lines.map((l) => JSON.parse(l) as AuditEntry);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  const last = entries[entries.length - 1];
  expect(last).toMatchObject({ action: 'audit.export', actorId: AUDITOR, requestId, details: { entries: lines.length } });
  expect(res.headers['x-audit-head']).toBe(`${last.seq}:${last.hash}`);

  const file = path.join(tmp, 'export.jsonl');
  fs.writeFileSync(file, text);
  const ok = await verifyOffline(file);
  expect(ok).toEqual({ code: 0, stdout: `OK: ${lines.length} entries, head ${last.seq}:${last.hash}\n` });

  // One line edited (a status changed) → that entry.
  const k = 3;
  const edited = lines.map((l, i) => (i === k - 1 ? JSON.stringify({ ...entries[i], outcome: 'refused' }) : l));
  fs.writeFileSync(path.join(tmp, 'edited.jsonl'), `${edited.join('\n')}\n`);
  const bad = await verifyOffline(path.join(tmp, 'edited.jsonl'));
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain(`BROKEN at entry ${k} (line ${k}): hash_mismatch`);
  // One line removed → that entry.
  fs.writeFileSync(path.join(tmp, 'removed.jsonl'), `${lines.filter((_, i) => i !== k - 1).join('\n')}\n`);
  expect((await verifyOffline(path.join(tmp, 'removed.jsonl'))).stdout).toContain(`BROKEN at entry ${k} (line ${k}): gap`);
  // The newest lines cut off: only an anchor (a head noted down earlier) tells.
  const cut = path.join(tmp, 'cut.jsonl');
  fs.writeFileSync(cut, `${lines.slice(0, -2).join('\n')}\n`);
  expect((await verifyOffline(cut)).code).toBe(0);
  const anchored = await verifyOffline(cut, '--anchor', `${last.seq}:${last.hash}`);
  expect(anchored.code).toBe(1);
  expect(anchored.stdout).toContain('truncated');
});

test('the chain verifies; deleting, editing or reordering one entry in the database is reported at that entry', async () => {
  // Let any API entry still being appended land first.
  const v0 = await eventually(async () => {
    const a = await verify();
    const b = await verify();
    return a.ok && b.count === a.count && a.head?.hash === b.head?.hash ? b : undefined;
  });
  expect(v0.count).toBe(v0.head?.seq);
  expect(v0.count).toBeGreaterThan(10);

  // The application cannot change the log: the table refuses UPDATE and DELETE …
  await expect(s.db.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
  await expect(s.db.query(`UPDATE audit_log SET outcome = 'ok' WHERE seq = 1`)).rejects.toThrow(/append-only/);
  // … but the table's owner can disable that; the chain is what detects it.
  await s.db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');

  const k = 5;
  const cols = 'seq, at, actor_id, action, target_type, target_id, request_id, outcome, details, idempotency_key, prev_hash, hash';
  const saved = (await s.db.query<Record<string, unknown>>(`SELECT ${cols} FROM audit_log WHERE seq = $1`, [k])).rows[0];
  const restore = async () => {
    await s.db.query('DELETE FROM audit_log WHERE seq = $1', [k]);
    await s.db.query(`INSERT INTO audit_log (${cols}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
      saved.seq,
      saved.at,
      saved.actor_id,
      saved.action,
      saved.target_type,
      saved.target_id,
      saved.request_id,
      saved.outcome,
      JSON.stringify(saved.details),
      saved.idempotency_key,
      saved.prev_hash,
      saved.hash,
    ]);
    expect((await verify()).ok).toBe(true);
  };

  // Delete one entry.
  await s.db.query('DELETE FROM audit_log WHERE seq = $1', [k]);
  expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: k, reason: 'gap' } });
  await restore();

  // Edit one entry's details.
  await s.db.query(`UPDATE audit_log SET details = details || '{"status": 204}'::jsonb WHERE seq = $1`, [k]);
  expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: k, reason: 'hash_mismatch' } });
  await restore();

  // Edit one entry's actor and recompute its hash: the next entry's link breaks.
  const e = (await request(s.app).get('/api/audit').query({ pageSize: 200 }).set('Authorization', `Bearer ${await s.tokens.sign(AUDITOR)}`)).body.items.find(
    (x: AuditEntry) => x.seq === k,
  ) as AuditEntry;
  const { hash: _h, ...forged } = { ...e, actorId: 'p-someone-else' };
  await s.db.query('UPDATE audit_log SET actor_id = $2, hash = $3 WHERE seq = $1', [k, forged.actorId, entryHash(forged)]);
  expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: k + 1, reason: 'prev_mismatch' } });
  await restore();

  // Swap two entries (reorder): reported at the first of them.
  const swap = async () => {
    await s.db.query('UPDATE audit_log SET seq = 999999999 WHERE seq = $1', [k]);
    await s.db.query('UPDATE audit_log SET seq = $1 WHERE seq = $2', [k, k + 1]);
    await s.db.query('UPDATE audit_log SET seq = $1 WHERE seq = 999999999', [k + 1]);
  };
  await swap();
  expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: k, reason: 'hash_mismatch' } });
  await swap();
  expect((await verify()).ok).toBe(true);

  // Remove the newest entry: the shorter chain is consistent — only the head noted down before
  // (the anchor) reveals it.
  const head = await auditHead(s.db);
  const newest = (await s.db.query<Record<string, unknown>>(`SELECT ${cols} FROM audit_log WHERE seq = $1`, [head?.seq])).rows[0];
  await s.db.query('DELETE FROM audit_log WHERE seq = $1', [head?.seq]);
  expect((await verify()).ok).toBe(true);
  expect(await verify({ anchor: `${head?.seq}:${head?.hash}` })).toMatchObject({ ok: false, firstBroken: { reason: 'truncated' } });
  await s.db.query(`INSERT INTO audit_log (${cols}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
    newest.seq,
    newest.at,
    newest.actor_id,
    newest.action,
    newest.target_type,
    newest.target_id,
    newest.request_id,
    newest.outcome,
    JSON.stringify(newest.details),
    newest.idempotency_key,
    newest.prev_hash,
    newest.hash,
  ]);

  await s.db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  expect(await verify({ anchor: `${head?.seq}:${head?.hash}` })).toMatchObject({ ok: true, head: { seq: head?.seq, hash: head?.hash } });
});
