/**
 * The audit log's hash chain, with no I/O: the canonical form of an entry, its hash, and a
 * verifier that walks entries in sequence order. The database verify (`db/audit.ts`), the API and
 * the offline verifier (`scripts/audit-verify.ts`) all use this one implementation, so what the
 * server computes and what an auditor recomputes cannot drift apart.
 *
 * The recipe (README "Audit trail"):
 *
 *   hash = lower-case hex SHA-256 of the UTF-8 bytes of canonicalJson({
 *            seq, at, actorId, action, targetType, targetId, requestId, outcome, details,
 *            idempotencyKey, prevHash })
 *
 * - every field of the entry except `hash` itself; absent values are `null`, never omitted;
 * - `seq` a JSON integer (1, 2, 3 … with no gaps); `at` an ISO-8601 UTC string with milliseconds
 *   (`2026-03-01T08:00:00.000Z`); `details` a JSON object;
 * - canonicalJson = JSON with the keys of every object (also inside `details`) sorted by UTF-16 code
 *   units (JavaScript's default sort), no whitespace, strings and numbers as `JSON.stringify` writes
 *   them; object members whose value is `undefined` are left out;
 * - `prevHash` is the `hash` of the entry with seq − 1; for seq 1 it is 64 zeros (GENESIS_HASH).
 */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditOutcome = 'ok' | 'refused' | 'error';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One entry of the audit log, as stored, listed and exported (one JSON line per entry). */
export interface AuditEntry {
  seq: number;
  /** ISO-8601 UTC with milliseconds. */
  at: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  outcome: string;
  details: { [key: string]: JsonValue };
  /** Set on entries written by workflow activities, so a retried activity appends nothing. */
  idempotencyKey: string | null;
  prevHash: string;
  hash: string;
}

/** The fields that are hashed: all of them but `hash`. */
export const HASHED_FIELDS = [
  'seq',
  'at',
  'actorId',
  'action',
  'targetType',
  'targetId',
  'requestId',
  'outcome',
  'details',
  'idempotencyKey',
  'prevHash',
] as const;

/** JSON with sorted keys and no whitespace; throws on values JSON cannot carry faithfully. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

/** The exact string that is hashed for an entry. */
export function canonicalEntry(e: Omit<AuditEntry, 'hash'>): string {
  const picked: Record<string, unknown> = {};
  for (const f of HASHED_FIELDS) picked[f] = e[f] ?? null;
  return canonicalJson(picked);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(canonicalEntry(e));
}

/** Builds the next entry of a chain whose head is `head` (null for an empty log). */
export function chainEntry(
  head: { seq: number; hash: string } | null,
  fields: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>,
): AuditEntry {
  const unhashed = { ...fields, seq: head ? head.seq + 1 : 1, prevHash: head ? head.hash : GENESIS_HASH };
  return { ...unhashed, hash: entryHash(unhashed) };
}

export type BrokenReason =
  /** The entry with this seq is missing (deleted), or the entries are out of order. */
  | 'gap'
  /** The entry's content does not give its hash: it was edited (or moved to another seq). */
  | 'hash_mismatch'
  /** The entry's prevHash is not the previous entry's hash: something before it was replaced. */
  | 'prev_mismatch'
  /** The entry's hash is not the one noted down earlier for this seq (the chain was rewritten). */
  | 'anchor_mismatch'
  /** The chain ends before a seq noted down earlier: the newest entries were removed. */
  | 'truncated'
  /** Not an entry at all (offline: a line that is not JSON or lacks fields). */
  | 'malformed';

export interface BrokenLink {
  seq: number;
  reason: BrokenReason;
  message: string;
}

export interface ChainResult {
  ok: boolean;
  /** Entries checked (up to and including the broken one, when broken). */
  count: number;
  /** The last entry checked when the chain verifies: note it down to detect truncation later. */
  head: { seq: number; hash: string; at: string } | null;
  firstBroken?: BrokenLink;
}

/** A hash noted down earlier ("the entry with seq N had hash H"), e.g. from GET /api/audit/verify. */
export interface Anchor {
  seq: number;
  hash: string;
}

/**
 * Walks a chain one entry at a time (so a log of any size streams through it) and remembers the
 * first broken link. Entries must be pushed in ascending seq order, starting at seq 1.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private count = 0;
  private head: ChainResult['head'] = null;
  private broken: BrokenLink | undefined;
  private readonly anchors: Map<number, string>;

  constructor(anchors: Anchor[] = []) {
    this.anchors = new Map(anchors.map((a) => [a.seq, a.hash.toLowerCase()]));
  }

  get isBroken(): boolean {
    return this.broken !== undefined;
  }

  /** Checks the next entry; returns the broken link once found (and keeps returning it). */
  push(e: AuditEntry): BrokenLink | undefined {
    if (this.broken) return this.broken;
    this.count++;
    const at = this.expectedSeq;
    if (e.seq !== at) {
      return this.fail(
        at,
        'gap',
        e.seq > at
          ? `entry ${at} is missing (the next entry is ${e.seq})`
          : `entry ${e.seq} appears where entry ${at} was expected (entries out of order or repeated)`,
      );
    }
    const { hash: _stored, ...unhashed } = e;
    if (entryHash(unhashed) !== e.hash) {
      return this.fail(at, 'hash_mismatch', `entry ${at}'s content does not match its hash: it was altered`);
    }
    if (e.prevHash !== this.prevHash) {
      return this.fail(at, 'prev_mismatch', `entry ${at} does not link to entry ${at - 1}'s hash: the chain was altered before it`);
    }
    const anchored = this.anchors.get(at);
    if (anchored !== undefined && anchored !== e.hash) {
      return this.fail(at, 'anchor_mismatch', `entry ${at}'s hash is not the one noted down earlier: the chain was rewritten`);
    }
    this.prevHash = e.hash;
    this.expectedSeq++;
    this.head = { seq: e.seq, hash: e.hash, at: e.at };
    return undefined;
  }

  /** Records an input that is not an entry (offline: a bad line) at the position expected next. */
  malformed(message: string): BrokenLink {
    if (this.broken) return this.broken;
    this.count++;
    return this.fail(this.expectedSeq, 'malformed', message);
  }

  result(): ChainResult {
    if (!this.broken) {
      const last = this.head?.seq ?? 0;
      const missing = [...this.anchors.keys()].filter((s) => s > last).sort((a, b) => a - b)[0];
      if (missing !== undefined) {
        this.broken = {
          seq: last + 1,
          reason: 'truncated',
          message: `the chain ends at entry ${last}, but entry ${missing} was noted down earlier: the newest entries were removed`,
        };
      }
    }
    return this.broken
      ? { ok: false, count: this.count, head: null, firstBroken: this.broken }
      : { ok: true, count: this.count, head: this.head };
  }

  private fail(seq: number, reason: BrokenReason, message: string): BrokenLink {
    this.broken = { seq, reason, message };
    return this.broken;
  }
}

/** Verifies a whole chain held in memory (entries in ascending seq order). */
export function verifyChain(entries: Iterable<AuditEntry>, anchors: Anchor[] = []): ChainResult {
  const v = new ChainVerifier(anchors);
  for (const e of entries) if (v.push(e)) break;
  return v.result();
}

/**
 * Reads one exported line into an entry, checking the shape (types only: the hash decides whether
 * the content is right). Returns a message instead when the line is not an entry.
 */
export function parseEntryLine(line: string): AuditEntry | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not a JSON line';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === 'string';
  const strOrNull = (k: string) => o[k] === null || typeof o[k] === 'string';
  const bad = [
    Number.isSafeInteger(o.seq) ? null : 'seq',
    str('at') ? null : 'at',
    strOrNull('actorId') ? null : 'actorId',
    str('action') ? null : 'action',
    strOrNull('targetType') ? null : 'targetType',
    strOrNull('targetId') ? null : 'targetId',
    strOrNull('requestId') ? null : 'requestId',
    str('outcome') ? null : 'outcome',
    typeof o.details === 'object' && o.details !== null && !Array.isArray(o.details) ? null : 'details',
    strOrNull('idempotencyKey') ? null : 'idempotencyKey',
    str('prevHash') ? null : 'prevHash',
    str('hash') ? null : 'hash',
  ].filter((x): x is string => x !== null);
  if (bad.length > 0) return `missing or invalid field(s): ${bad.join(', ')}`;
  return o as unknown as AuditEntry;
}
