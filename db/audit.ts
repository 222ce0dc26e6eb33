/**
 * The audit log in the database: append (serialised, so the hash chain never forks), list, verify
 * and export. The chain itself — canonical form, hash, verification — is `domain/audit-chain.ts`.
 *
 * Appends are serialised by `pg_advisory_xact_lock(AUDIT_LOCK)` held to the end of the appending
 * transaction: the next appender reads the head only after this one committed (READ COMMITTED
 * takes a new snapshot per statement). PGlite is single-connection, so there the lock is trivially
 * ours, and the call is the same. Call `appendAudit` as the LAST statement of a transaction: the
 * lock is global and held until commit, so nothing slow should follow it (and lock order stays
 * "rows first, audit lock last", which cannot deadlock).
 */
import type { Db, Queryable } from './client';
import { jsonColumn } from './rows';
import {
  ChainVerifier,
  chainEntry,
  type Anchor,
  type AuditEntry,
  type ChainResult,
  type JsonValue,
} from '../domain/audit-chain';

/** The advisory lock key of audit appends (migrations use 724501). */
export const AUDIT_LOCK = 724502;

export interface AuditInput {
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  requestId?: string | null;
  /** 'ok' (default), 'refused' (4xx, login refused) or 'error' (5xx). */
  outcome?: string;
  /** Status codes, ids, counts and reason codes only: never request bodies or personal data. */
  details?: { [key: string]: JsonValue | undefined };
  /** Workflow-driven entries: appended once per key, however often the activity runs. */
  idempotencyKey?: string | null;
  /** Defaults to now. */
  at?: Date;
}

interface AuditRow {
  seq: string | number;
  at: Date | string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  outcome: string;
  details: AuditEntry['details'] | string | null;
  idempotency_key: string | null;
  prev_hash: string;
  hash: string;
}

const COLUMNS =
  'seq, at, actor_id, action, target_type, target_id, request_id, outcome, details, idempotency_key, prev_hash, hash';

function fromRow(r: AuditRow): AuditEntry {
  return {
    seq: Number(r.seq),
    at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    requestId: r.request_id,
    outcome: r.outcome,
    details: jsonColumn<AuditEntry['details'] | null>(r.details) ?? {},
    idempotencyKey: r.idempotency_key,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Normalises details to what jsonb gives back (JSON round trip: undefined members dropped), so the
 * hash computed now is the hash recomputed later from the stored row.
 */
function normaliseDetails(details: AuditInput['details']): AuditEntry['details'] {
  return JSON.parse(JSON.stringify(details ?? {})) as AuditEntry['details'];
}

/**
 * Appends one entry inside the caller's transaction `q` (call it last in that transaction). With an
 * idempotency key that is already in the log, appends nothing and returns null — checked under the
 * lock before taking a seq, so a retry never consumes a number of the chain.
 */
export async function appendAudit(q: Queryable, input: AuditInput): Promise<AuditEntry | null> {
  return (await appendChained(q, [input], input.idempotencyKey ?? null))[0] ?? null;
}

/**
 * Appends entries without idempotency keys, in the order given, inside the caller's transaction
 * (call it last): one lock, one head read and one insert for all of them (the API's write entries,
 * gathered by `auditQueue`).
 */
export async function appendAuditEntries(q: Queryable, inputs: AuditInput[]): Promise<AuditEntry[]> {
  if (inputs.some((i) => i.idempotencyKey)) throw new Error('appendAuditEntries: entries with an idempotency key are appended one at a time (appendAudit)');
  return inputs.length === 0 ? [] : appendChained(q, inputs, null);
}

async function appendChained(q: Queryable, inputs: AuditInput[], key: string | null): Promise<AuditEntry[]> {
  // The lock is a statement of its own: a statement's snapshot is taken before it runs, so a head
  // read in the statement that waited for the lock could miss the entry committed meanwhile.
  await q.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
  // The key check and the head in one round trip: the lock is held from here to commit.
  const head = await q.query<{ seen: boolean; seq: string | number | null; hash: string | null }>(
    `SELECT EXISTS (SELECT 1 FROM audit_log WHERE $1::text IS NOT NULL AND idempotency_key = $1) AS seen, h.seq, h.hash
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS h ON true`,
    [key],
  );
  const row = head.rows[0];
  if (row.seen) return [];
  let h = row.seq === null || row.hash === null ? null : { seq: Number(row.seq), hash: row.hash };
  const entries: AuditEntry[] = [];
  for (const input of inputs) {
    const entry = chainEntry(h, {
      at: (input.at ?? new Date()).toISOString(),
      actorId: input.actorId ?? null,
      action: input.action,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      requestId: input.requestId ?? null,
      outcome: input.outcome ?? 'ok',
      details: normaliseDetails(input.details),
      idempotencyKey: input.idempotencyKey ?? null,
    });
    entries.push(entry);
    h = { seq: entry.seq, hash: entry.hash };
  }
  // One statement text whatever the number of entries (a column per array): a multi-row VALUES
  // list would be a new text, and a new prepared statement (db/client.ts), for every batch size.
  const column = <K extends keyof AuditEntry>(k: K) => entries.map((e) => e[k]);
  await q.query(
    `INSERT INTO audit_log (${COLUMNS})
     SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::text[], $12::text[])`,
    [
      column('seq'),
      column('at'),
      column('actorId'),
      column('action'),
      column('targetType'),
      column('targetId'),
      column('requestId'),
      column('outcome'),
      entries.map((e) => JSON.stringify(e.details)),
      column('idempotencyKey'),
      column('prevHash'),
      column('hash'),
    ],
  );
  return entries;
}

/** At most this many entries in one append of the queue: a burst is appended in transactions of bounded size. */
const QUEUE_BATCH = 200;

export interface AuditQueue {
  /** Queues an entry; it is appended as soon as the appends before it are done. */
  append(input: AuditInput): void;
  /** Resolves when every entry queued so far is appended (or reported failed). */
  drain(): Promise<void>;
}

/**
 * Entries appended after the fact (the API's, once a response is sent), gathered while an append
 * is under way and then appended together: one transaction, lock and head read for all that came
 * meanwhile, where one each made every write wait its turn for the audit lock twice (its step's
 * entry and its request's). An idle queue appends at once. A batch the database refuses is tried
 * again one entry at a time, so one bad entry costs only itself; each lost entry goes to `failed`.
 */
export function auditQueue(db: Db, failed: (input: AuditInput, err: unknown) => void): AuditQueue {
  const queued: AuditInput[] = [];
  let running: Promise<void> | null = null;
  const appendOne = (input: AuditInput) => db.tx((q) => appendAuditEntries(q, [input])).catch((err: unknown) => failed(input, err));
  async function run(): Promise<void> {
    while (queued.length > 0) {
      const batch = queued.splice(0, QUEUE_BATCH);
      try {
        await db.tx((q) => appendAuditEntries(q, batch));
      } catch (err) {
        if (batch.length === 1) failed(batch[0], err);
        else for (const input of batch) await appendOne(input);
      }
    }
    running = null;
  }
  return {
    append(input) {
      queued.push(input);
      running ??= run();
    },
    async drain() {
      while (running) await running;
    },
  };
}

/** Appends one entry in a transaction of its own. */
export async function appendAuditTx(db: Db, input: AuditInput): Promise<AuditEntry | null> {
  return db.tx((q) => appendAudit(q, input));
}

export interface AuditFilters {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  outcome?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  page: number;
  pageSize: number;
}

/** Newest first, with the total count of matching entries. */
export async function listAudit(db: Db, f: AuditFilters): Promise<{ items: AuditEntry[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.actorId !== undefined) add('actor_id = ?', f.actorId);
  if (f.action !== undefined) add('action = ?', f.action);
  if (f.targetType !== undefined) add('target_type = ?', f.targetType);
  if (f.targetId !== undefined) add('target_id = ?', f.targetId);
  if (f.outcome !== undefined) add('outcome = ?', f.outcome);
  if (f.from !== undefined) add('at >= ?', f.from.toISOString());
  if (f.to !== undefined) add('at < ?', f.to.toISOString());
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log ${clause}`, params);
  const rows = await db.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log ${clause} ORDER BY seq DESC
     LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return { items: rows.rows.map(fromRow), total: total.rows[0].n };
}

/** Entries in ascending seq order, read a page at a time (from `afterSeq`, up to `untilSeq`). */
export async function* readAudit(
  db: Db,
  opts: { afterSeq?: number; untilSeq?: number; pageSize?: number } = {},
): AsyncGenerator<AuditEntry> {
  const pageSize = opts.pageSize ?? 1000;
  let after = opts.afterSeq ?? 0;
  for (;;) {
    const r = await db.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log WHERE seq > $1 ${opts.untilSeq !== undefined ? 'AND seq <= $2' : ''}
       ORDER BY seq LIMIT ${Number(pageSize)}`,
      opts.untilSeq !== undefined ? [after, opts.untilSeq] : [after],
    );
    for (const row of r.rows) yield fromRow(row);
    if (r.rows.length < pageSize) return;
    after = Number(r.rows[r.rows.length - 1].seq);
  }
}

/**
 * Recomputes the whole chain from the database, a page at a time, and reports the first broken
 * link. `anchors` are hashes noted down earlier (a previous verify's head): a chain that no longer
 * reaches them, or reaches them with another hash, is reported too.
 */
export async function verifyAudit(db: Db, opts: { anchors?: Anchor[]; pageSize?: number } = {}): Promise<ChainResult> {
  const v = new ChainVerifier(opts.anchors);
  for await (const e of readAudit(db, { pageSize: opts.pageSize })) {
    if (v.push(e)) break;
  }
  return v.result();
}

/** The current head (newest entry), or null for an empty log. */
export async function auditHead(db: Db): Promise<{ seq: number; hash: string } | null> {
  const r = await db.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const h = r.rows[0];
  return h ? { seq: Number(h.seq), hash: h.hash } : null;
}

/**
 * The whole log as JSON lines (one entry per line, each ending in "\n"), oldest first, up to
 * `untilSeq` (default: the head when the export starts), read a page at a time. Each line is the
 * entry with its `hash`: `npm run -s audit:verify -- file.jsonl` recomputes the chain offline.
 */
export async function* exportAudit(db: Db, opts: { untilSeq?: number; pageSize?: number } = {}): AsyncGenerator<string> {
  const untilSeq = opts.untilSeq ?? (await auditHead(db))?.seq ?? 0;
  for await (const e of readAudit(db, { untilSeq, pageSize: opts.pageSize })) yield `${JSON.stringify(e)}\n`;
}
