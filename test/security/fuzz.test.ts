/**
 * Property-based tests (fast-check) over every endpoint of the registry: random and malformed JSON
 * bodies (wrong types, unknown keys, huge strings, unicode, nulls, arrays, deep nesting, broken
 * JSON), bodies that are not JSON, random query strings, odd path parameters and headers, bad
 * credentials, and well-formed requests the rules refuse (wrong state, unknown references). Every
 * answer is a 4xx with a JSON `error` (a GET may answer 2xx: it reads), never a 5xx; and after each
 * endpoint's run the database (every table; of the audit trail, everything but the refusals it
 * records) and the histories of the workflows are exactly as before — a refused request writes
 * nothing. Strings come from the whole of Unicode, and every string field of every body, every
 * query value and path parameter is also tried with a character no text accepts (NUL, an unpaired
 * surrogate, a C0 or C1 control); after each endpoint's run no workflow of the stack is left running
 * with a failing activity (issue 11: bad input must never become a process retrying for ever).
 *
 * Seeded and reproducible: a failing property prints its seed and path; the whole run's seed is
 * FUZZ_SEED (printed on failure), e.g. `FUZZ_SEED=42 npm test -- test/security/fuzz.test.ts`.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { ENDPOINTS, type Endpoint } from '../../api/endpoints';
import { putRobot } from '../../notifications/robots';
import { startStack, type Stack } from '../support/stack';
import { runningWithFailingActivity } from '../support/failing';
import {
  call,
  CYBER_LEADER,
  extensionBody,
  noticeBody,
  OFFICE,
  proposalBody,
  reportBody,
  targets,
  type EscalationRef,
  type NoticeRef,
  type ProposalRef,
  closingReportBody,
  incidentBody,
  incidentTargets,
  systemBody,
  type IncidentRef,
} from '../support/targets';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : crypto.randomInt(2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const LIAISON = 'p-li-na';

type Params = Record<string, string>;

interface Req {
  /** What kind of input this is, for the failure message. */
  kind: string;
  as: string | null;
  params?: Params;
  query?: string;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  /** Bad credentials: the answer must be 401 (public endpoints ignore them). */
  badCredentials?: boolean;
}

interface Spec {
  /** Who may call it (so that it is the input, not the person, that is refused). */
  as: string;
  /** A target in the state where a valid request would succeed. */
  params: () => Params;
  /** `none`: the route reads no body; `optional`: none means {}; `required`. */
  body: 'required' | 'optional' | 'none';
  /** A valid body, to break. */
  template?: () => Record<string, unknown>;
  /** Well-formed requests the rules refuse: another target's state, unknown references. */
  refused?: () => fc.Arbitrary<Req>;
}

let s: Stack;
const T: {
  issued: NoticeRef;
  rectifying: NoticeRef;
  review: NoticeRef;
  extension: NoticeRef;
  withdrawn: NoticeRef;
  escalation: EscalationRef;
  draft: ProposalRef;
  ready: ProposalRef;
  awaiting: ProposalRef;
  submitted: ProposalRef;
  message: number;
  otherMessage: number;
  failedOutbox: number;
  sentOutbox: number;
  incOpen: IncidentRef;
  incOffice: IncidentRef;
  incRestored: IncidentRef;
  incReview: IncidentRef;
  incClosed: IncidentRef;
  system: string;
} = {} as never;

beforeAll(async () => {
  s = await startStack({ limits: { perPersonPerMinute: 1000000, authFailuresPer15Min: 1000000, corsOrigins: [] } });
  const t = targets(s);
  [T.issued, T.rectifying, T.review, T.extension, T.withdrawn, T.escalation] = await Promise.all([
    t.notice('issued'),
    t.notice('rectifying'),
    t.notice('under_review'),
    t.notice('extension_pending'),
    t.notice('withdrawn'),
    t.escalation('cs'),
  ]);
  [T.draft, T.ready, T.awaiting, T.submitted] = await Promise.all([
    t.proposal('draft', 'cs', true),
    t.proposal('ready'),
    t.proposal('awaiting_approval'),
    t.proposal('submitted'),
  ]);
  const it = incidentTargets(s);
  [T.incOpen, T.incOffice, T.incRestored, T.incReview, T.incClosed] = await Promise.all([
    it.incident('open'),
    it.incident('office_recorded'),
    it.incident('restored'),
    it.incident('under_review'),
    it.incident('closed'),
  ]);
  T.system = await it.system('cs');
  const first = async (sql: string, args: unknown[] = []) => Number((await s.db.query<{ id: string | number }>(sql, args)).rows[0].id);
  T.message = await first('SELECT min(id) AS id FROM inbox_messages WHERE person_id = $1 AND read_at IS NULL', [LIAISON]);
  T.otherMessage = await first('SELECT min(id) AS id FROM inbox_messages WHERE person_id = $1', ['p-liu-yang']);
  T.sentOutbox = await first(`SELECT min(id) AS id FROM notification_outbox WHERE status = 'sent'`);
  T.failedOutbox = await first(
    `INSERT INTO notification_outbox (idempotency_key, channel, recipient, person_id, kind, category, locale, subject, body, status, attempts, last_error)
     VALUES ('fuzz-failed', 'email', 'lina@example.edu.cn', 'p-li-na', 'notice_issued', 'new_notice', 'zh-CN', '测试', '测试', 'failed', 5, 'test') RETURNING id`,
  );
  await putRobot(s.db, { scope: 'unit', scopeId: 'cs', kind: 'wecom', webhookUrl: 'http://127.0.0.1:9/robot', secret: null, enabled: false, updatedBy: OFFICE });
}, 120000);

afterAll(async () => {
  await s?.shutdown();
});

// ---- What "unchanged" means ----

/** Every table's row count and content hash; the audit trail without the refusals it records. */
async function snapshot(): Promise<Record<string, string>> {
  const tables = (
    await s.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).rows.map((r) => r.table_name);
  const out: Record<string, string> = {};
  for (const table of tables) {
    // Rate-limit counters (PostgreSQL) count every request, refused ones too: that is their job.
    if (table === 'rate_limit_hits') continue;
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`unexpected table name ${table}`);
    const filter = table === 'audit_log' ? ` WHERE outcome <> 'refused' AND action <> 'audit.export'` : '';
    const r = await s.db.query<{ n: string | number; h: string | null }>(
      `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${table} t${filter}`,
    );
    // The audit trail's entries are hashed in a chain: only their number can stay the same.
    out[table] = table === 'audit_log' ? `${r.rows[0].n}` : `${r.rows[0].n}:${r.rows[0].h}`;
  }
  const workflows = (
    await s.db.query<{ workflow_id: string }>('SELECT workflow_id FROM notices UNION ALL SELECT workflow_id FROM accountability_proposals UNION ALL SELECT workflow_id FROM incidents')
  ).rows.map((r) => r.workflow_id);
  for (const id of workflows.sort()) {
    const d = await s.client.workflow.getHandle(id).describe();
    out[`workflow ${id}`] = `${d.historyLength}`;
  }
  return out;
}

/** Waits for the system to be quiet (no workflow or dispatcher still writing), then snapshots. */
async function quietSnapshot(): Promise<Record<string, string>> {
  let prev = await snapshot();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const next = await snapshot();
    if (JSON.stringify(next) === JSON.stringify(prev)) return next;
    prev = next;
  }
  throw new Error('The system did not settle before fuzzing');
}

// ---- Inputs ----

/** Every field name of the API's bodies: an "unknown key" is none of these. */
const KNOWN_KEYS = new Set(
  'unitId title category severity description assets acknowledgeBy rectifyBy summary measures evidence name mediaType contentBase64 sha256 decision comment reason until trigger facts factsAt noticeIds partiesConcerned individuals collective body reviewOpened webhookUrl secret enabled categories personId measure importantLeadership type grade systemIds startedAt detectedAt detectedBy impact outage outageStartedAt source agrees restoredAt noticeId host contact important protectionLevel cii status format rule consequences incidentIds incidentId'.split(
    ' ',
  ),
);
const unknownKey = fc
  .oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '$where', ''))
  .filter((k) => !KNOWN_KEYS.has(k));

const json = fc.jsonValue({ maxDepth: 3 });

/**
 * Characters no text field accepts (domain/text.ts): NUL, unpaired surrogates, C0 controls other
 * than tab and line breaks, DEL, C1 controls. A string with one of them in it, anywhere, among any
 * code points of the whole of Unicode.
 */
const BAD_CHARS = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'];
const anyUnicode = fc.string({ unit: 'binary', maxLength: 30 });
/** Still holds one of BAD_CHARS (a lone surrogate: one that is not half of a pair). */
function stillBad(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c <= 0x1f && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return true;
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c >= 0xd800 && c <= 0xdbff) {
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}
// The filter: a high surrogate put before a string that starts with a lone low one (which `binary`
// strings may hold) makes a valid pair, and the text is good after all (a CI run's counterexample).
const poisoned = fc
  .tuple(anyUnicode, fc.oneof(fc.constantFrom(...BAD_CHARS), fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))), anyUnicode)
  .map(([a, bad, b]) => `${a}${bad}${b}`)
  .filter(stillBad);
const unicode = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  anyUnicode,
  poisoned,
  fc.constantFrom('\u0000', '\u202e', '😀'.repeat(50), '\ud800', '\udc00x', 'a\u0085b', '\u2028'),
);

/** The paths of every string in a JSON value (a body template), e.g. ['evidence', 0, 'name']. */
function stringPaths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof v === 'string') return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringPaths(x, [...at, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => stringPaths(x, [...at, k]));
  return [];
}

function replaceAt(v: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? replaceAt(x, rest, value) : x));
  const o = v as Record<string, unknown>;
  return { ...o, [head]: replaceAt(o[head], rest, value) };
}
const wrongTyped = (v: unknown) => {
  const all = [
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.array(json, { maxLength: 3 }),
    fc.dictionary(unknownKey, json, { maxKeys: 3 }),
    unicode,
  ];
  const isArr = Array.isArray(v);
  const type = v === null ? 'null' : isArr ? 'array' : typeof v;
  const ofType = (a: unknown) => (a === null ? 'null' : Array.isArray(a) ? 'array' : typeof a);
  return fc.oneof(...all).filter((x) => ofType(x) !== type);
};
const deep = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const huge = fc.constantFrom(300 * 1024, 3 * 1024 * 1024).map((n) => 'x'.repeat(n));

/** JSON bodies no route can accept: they always break the shape somewhere. */
function junkBodies(template?: Record<string, unknown>): fc.Arbitrary<Req> {
  const arbs: Array<fc.Arbitrary<Req>> = [
    // Not an object at the top.
    fc.oneof(fc.array(json, { maxLength: 4 }), fc.constant([]), fc.constant([{}])).map((body) => ({ kind: 'array body', as: null, body })),
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)).map((v) => ({ kind: 'scalar body', as: null, raw: JSON.stringify(v), headers: { 'Content-Type': 'application/json' } })),
    // An object with a key no schema has, and anything else.
    fc
      .tuple(fc.dictionary(fc.oneof(unknownKey, fc.constantFrom(...KNOWN_KEYS)), json, { maxKeys: 5 }), unknownKey, json)
      .map(([o, k, v]) => ({ kind: 'random object', as: null, raw: JSON.stringify({ ...o, [k]: v }), headers: { 'Content-Type': 'application/json' } })),
    // Deep nesting.
    fc.integer({ min: 50, max: 20000 }).map((d) => ({ kind: 'deep object', as: null, raw: deep(d, '{"a":', '}'), headers: { 'Content-Type': 'application/json' } })),
    fc.integer({ min: 50, max: 100000 }).map((d) => ({ kind: 'deep array', as: null, raw: deep(d, '[', ']'), headers: { 'Content-Type': 'application/json' } })),
  ];
  if (template) {
    const keys = Object.keys(template);
    const strings = keys.filter((k) => typeof template[k] === 'string');
    if (strings.length > 0) {
      // A huge field (past the body limit, or past the field's).
      arbs.push(fc.tuple(fc.constantFrom(...strings), huge).map(([k, v]) => ({ kind: `huge ${k}`, as: null, body: { ...template, [k]: v } })));
    }
    const paths = stringPaths(template);
    if (paths.length > 0) {
      // Any string of the body, at any depth, with a character no field accepts.
      arbs.push(
        fc.tuple(fc.constantFrom(...paths), poisoned).map(([p, v]) => ({ kind: `bad text in ${p.join('.')}`, as: null, body: replaceAt(template, p, v) })),
      );
    }
    arbs.push(
      // One field of the wrong type.
      fc
        .constantFrom(...keys)
        .chain((k) => wrongTyped(template[k]).map((v) => ({ kind: `${k} of the wrong type`, as: null, body: { ...template, [k]: v } }))),
      // A valid body with an unknown key.
      fc.tuple(unknownKey, fc.oneof(json, unicode)).map(([k, v]) => ({ kind: 'valid body + unknown key', as: null, raw: JSON.stringify({ ...template, [k]: v }), headers: { 'Content-Type': 'application/json' } })),
      // Fields nested one level too deep.
      fc.constantFrom(...keys).map((k) => ({ kind: `${k} wrapped in an object`, as: null, body: { ...template, [k]: { value: template[k] } } })),
    );
  }
  return fc.oneof(...arbs);
}

/** Bodies that cannot be read as JSON: broken JSON, other media types, other encodings. */
function unreadableBodies(template?: Record<string, unknown>): fc.Arbitrary<Req> {
  const valid = JSON.stringify(template ?? {});
  return fc.oneof(
    fc
      .oneof(
        fc.constantFrom('{', '{"a":', "{'a':1}", '{"a":1,}', '[1,2', 'NaN', '{"a":undefined}', '\u0000', '\ufeff{"a":', '{"a":1}{"b":2}', '}'),
        fc.string({ maxLength: 50 }).map((x) => `{${x}`),
        fc.constant(valid.slice(0, -1)),
      )
      .map((raw) => ({ kind: 'broken JSON', as: null, raw, headers: { 'Content-Type': 'application/json' } })),
    // The very body a valid request would carry, under a media type the API does not read.
    fc
      .constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/vnd.api+json',
        'text/json',
        'application/json, text/plain',
        'application/octet-stream',
        'x'.repeat(300),
      )
      .map((type) => ({ kind: `Content-Type: ${type.slice(0, 40)}`, as: null, raw: valid, headers: { 'Content-Type': type } })),
  );
}

const queryValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  unicode,
  poisoned,
  fc.constantFrom('-1', '0', '1e3', '1.5', 'NaN', 'Infinity', '99999999999999999999', 'true', 'null', 'me', '', 'x'.repeat(5000)),
);
const queryKey = fc.oneof(fc.constantFrom('page', 'pageSize', 'unitId', 'status', 'severity', 'overdue', 'assignee', 'noticeId', 'unread', 'anchor', 'from', 'to', 'outcome', 'scope', 'q', 'rule', 'trigger', 'incidentId', 'systemId', 'late', 'actorId', 'targetId', '__proto__', 'constructor'), fc.string({ maxLength: 12 }));
const enc = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ZZ';
  }
};
const queries: fc.Arbitrary<Req> = fc.oneof(
  fc.array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 5 }).map((kv) => ({ kind: 'random query', as: null, query: `?${kv.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` })),
  fc.constantFrom('?%', '?%zz', '?page=%E0%A4%A', '?&&&', '?=', '?a[b]=c', '?page=1&page=2', '?pageSize[]=1', '?__proto__[x]=1', `?${'a'.repeat(9000)}=1`).map((query) => ({ kind: 'odd query', as: null, query })),
);

/** Path parameter values that name something that exists (a random value must not hit them). */
const EXISTING = new Set(['cs', 'ito', 'lib', 'unit', 'person', 'wecom', 'dingtalk', 'feishu', 'x1', 'x2']);
/** Values for a path parameter that name nothing (never an id that exists). */
const oddParam = fc
  .oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 10 }),
    poisoned,
    fc.constantFrom('..', '../..', '%2e%2e', '\u0000', ' ', 'null', 'undefined', '-1', '0', '1.5', '9'.repeat(400), 'x'.repeat(3000), 'P2026-0001', '2026-0001', 'x0'),
  )
  .filter((v) => v.length > 0 && !(Number.isSafeInteger(Number(v)) && Number(v) > 0) && !EXISTING.has(v));

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 60 });

/** Credentials that must not sign anyone in. */
function badCredentials(): fc.Arbitrary<Req> {
  return fc
    .oneof(
      fc.constantFrom('', ' ', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearer null', 'Bearer a.b.c', 'Bearer x y', `Bearer ${'a'.repeat(8000)}`),
      printable.map((x) => `Bearer ${x}`),
      fc.constantFrom('unknown-person', 'expired', 'alg-none', 'other-key', 'tampered', 'two-tokens'),
    )
    .map((v): Req => ({ kind: `Authorization ${v.slice(0, 30)}`, as: null, headers: { Authorization: v }, badCredentials: true }));
}

/** The office's claims, as the embedded issuer would sign them. */
const claims = () =>
  Buffer.from(JSON.stringify({ sub: OFFICE, iss: 'cyberduty-embedded', aud: 'cyberduty', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');

async function resolveCredentials(r: Req): Promise<Req> {
  const v = r.headers?.Authorization;
  const special: Record<string, () => Promise<string>> = {
    'unknown-person': async () => `Bearer ${await s.tokens.sign('p-nobody')}`,
    expired: async () => `Bearer ${await s.tokens.sign(OFFICE, '-1h')}`,
    'alg-none': () => {
      const h = Buffer.from('{"alg":"none"}').toString('base64url');
      return Promise.resolve(`Bearer ${h}.${claims()}.`);
    },
    'other-key': () => {
      const signed = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${claims()}`;
      return Promise.resolve(`Bearer ${signed}.${crypto.createHmac('sha256', crypto.randomBytes(32)).update(signed).digest('base64url')}`);
    },
    tampered: async () => {
      const t = await s.tokens.sign(OFFICE);
      return `Bearer ${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`;
    },
    'two-tokens': async () => `Bearer ${await s.tokens.sign(OFFICE)},${await s.tokens.sign(OFFICE)}`,
  };
  if (v !== undefined && special[v]) return { ...r, headers: { ...r.headers, Authorization: await special[v]() } };
  return r;
}

/** Headers that change nothing: every request carries some. */
const harmlessHeaders = fc.record(
  {
    'X-Request-Id': fc.oneof(printable, fc.constant('x'.repeat(500))),
    Accept: fc.constantFrom('text/html', '*/*', 'application/xml', 'image/png', ''),
    Origin: fc.constantFrom('https://evil.example.com', 'null'),
    'X-Forwarded-For': fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1'),
    // Header values can carry Latin-1 only: C1 controls and tabs are what can arrive.
    'Idempotency-Key': fc.oneof(printable, fc.constant('k'.repeat(300)), fc.constantFrom('key-\u0085-12345', 'key\t12345678', 'key-\u009f\u00ff-1234')),
    Cookie: printable,
  },
  { requiredKeys: [] },
);

// ---- Well-formed but refused ----

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((x) => x.trim().length > 0);
const upload = fc.record({
  name: text,
  mediaType: fc.constantFrom('text/plain', 'application/pdf', 'image/png'),
  contentBase64: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
});
const unknownSha = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const unknownUnit = fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/).filter((u) => !['cs', 'ito', 'lib'].includes(u));
const unknownPerson = fc.stringMatching(/^p-[a-z]{3,10}$/).map((p) => `${p}-x`);
const past = fc.integer({ min: 60, max: 10 * 365 * 86400 }).map((sec) => new Date(Date.now() - sec * 1000).toISOString());
const refused = (kind: string, as: string, params: Params | (() => Params), body: fc.Arbitrary<unknown>): fc.Arbitrary<Req> =>
  body.map((b) => ({ kind, as, params: typeof params === 'function' ? params() : params, body: b }));

const N = '/api/notices';
const P = '/api/accountability-proposals';

const SPECS: Record<string, Spec> = {
  'GET /healthz': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/glossary': { as: LIAISON, params: () => ({}), body: 'none' },
  // Operations (issue 13)
  'GET /readyz': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /metrics': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/openapi.json': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/docs': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/me': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/me/inbox': { as: LIAISON, params: () => ({}), body: 'none' },
  'POST /api/me/inbox/:id/read': {
    as: LIAISON,
    params: () => ({ id: String(T.message) }),
    body: 'none',
    refused: () => fc.constant({ kind: "another person's message", as: LIAISON, params: { id: String(T.otherMessage) } }),
  },
  'GET /api/me/notification-preferences': { as: LIAISON, params: () => ({}), body: 'none' },
  'PUT /api/me/notification-preferences': {
    as: LIAISON,
    params: () => ({}),
    body: 'required',
    template: () => ({ categories: { reminder: ['inapp'] } }),
    refused: () =>
      fc.oneof(
        refused('no category', LIAISON, {}, fc.constant({ categories: {} })),
        refused('unknown channel', LIAISON, {}, fc.constantFrom('sms', 'fax', 'pager').map((c) => ({ categories: { reminder: [c] } }))),
      ),
  },
  'GET /api/org/units': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/org/people': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/org/units/:id/role-history': {
    as: LIAISON,
    params: () => ({ id: 'cs' }),
    body: 'none',
    refused: () => unknownUnit.map((id) => ({ kind: 'unknown unit', as: LIAISON, params: { id } })),
  },

  [`POST ${N}`]: {
    as: OFFICE,
    params: () => ({}),
    body: 'required',
    template: () => noticeBody('cs'),
    refused: () =>
      fc.oneof(
        refused('unknown unit', OFFICE, {}, unknownUnit.map((unitId) => noticeBody(unitId))),
        refused('deadline in the past', OFFICE, {}, past.map((acknowledgeBy) => noticeBody('cs', { acknowledgeBy }))),
        refused(
          'acknowledge after rectify',
          OFFICE,
          {},
          fc.integer({ min: 2, max: 30 }).map((d) => noticeBody('cs', { acknowledgeBy: new Date(Date.now() + d * 86400000).toISOString(), rectifyBy: new Date(Date.now() + 86400000).toISOString() })),
        ),
      ),
  },
  [`GET ${N}`]: { as: LIAISON, params: () => ({}), body: 'none' },
  // Web UI (issue 9): the deadlines a notice would get (nothing written), and my work.
  [`POST ${N}/preview`]: {
    as: OFFICE,
    params: () => ({}),
    body: 'required',
    template: () => noticeBody('cs'),
    refused: () =>
      fc.oneof(
        refused('unknown unit', OFFICE, {}, unknownUnit.map((unitId) => noticeBody(unitId))),
        refused('deadline in the past', OFFICE, {}, past.map((acknowledgeBy) => noticeBody('cs', { acknowledgeBy }))),
      ),
  },
  'GET /api/me/work': { as: LIAISON, params: () => ({}), body: 'none' },
  [`GET ${N}/:id`]: { as: LIAISON, params: () => ({ id: T.review.id }), body: 'none' },
  [`GET ${N}/:id/evidence/:sha256`]: { as: LIAISON, params: () => ({ id: T.review.id, sha256: T.review.sha256! }), body: 'none' },
  [`POST ${N}/:id/acknowledge`]: {
    as: LIAISON,
    params: () => ({ id: T.issued.id }),
    body: 'optional',
    refused: () =>
      fc.oneof(
        refused('already acknowledged', LIAISON, () => ({ id: T.rectifying.id }), fc.constant({})),
        refused('withdrawn', LIAISON, () => ({ id: T.withdrawn.id }), fc.constant({})),
      ),
  },
  [`POST ${N}/:id/rectification`]: {
    as: LIAISON,
    params: () => ({ id: T.rectifying.id }),
    body: 'required',
    template: reportBody,
    refused: () =>
      fc.oneof(
        // A complete report on a notice not yet acknowledged: refused, and its files not kept.
        refused('report before acknowledging', LIAISON, () => ({ id: T.issued.id }), fc.record({ summary: text, measures: text, evidence: fc.array(upload, { minLength: 1, maxLength: 3 }) })),
        refused('report under review', LIAISON, () => ({ id: T.review.id }), fc.record({ summary: text, measures: text, evidence: fc.array(upload, { minLength: 1, maxLength: 2 }) })),
        refused(
          'evidence too large',
          LIAISON,
          () => ({ id: T.rectifying.id }),
          fc.integer({ min: 64 * 1024 + 1, max: 100 * 1024 }).map((n) => ({ ...reportBody(), evidence: [{ name: 'big.bin', contentBase64: Buffer.alloc(n, 7).toString('base64') }] })),
        ),
      ),
  },
  [`POST ${N}/:id/review`]: {
    as: OFFICE,
    params: () => ({ id: T.review.id }),
    body: 'required',
    template: () => ({ decision: 'accept', comment: '整改到位' }),
    refused: () =>
      fc.oneof(
        refused('nothing to review', OFFICE, () => ({ id: T.rectifying.id }), fc.record({ decision: fc.constantFrom('accept', 'reject'), comment: text })),
        refused('reject with a deadline in the past', OFFICE, () => ({ id: T.review.id }), past.map((rectifyBy) => ({ decision: 'reject', comment: '补充材料', rectifyBy }))),
      ),
  },
  [`POST ${N}/:id/withdraw`]: {
    as: OFFICE,
    params: () => ({ id: T.issued.id }),
    body: 'required',
    template: () => ({ reason: '重复下发' }),
    refused: () => refused('already withdrawn', OFFICE, () => ({ id: T.withdrawn.id }), fc.record({ reason: text })),
  },
  [`POST ${N}/:id/extension-requests`]: {
    as: LIAISON,
    params: () => ({ id: T.rectifying.id }),
    body: 'required',
    template: extensionBody,
    refused: () =>
      fc.oneof(
        refused('one already pending', LIAISON, () => ({ id: T.extension.id }), fc.record({ until: fc.constant(new Date(Date.now() + 9 * 86400000).toISOString()), reason: text })),
        refused('until in the past', LIAISON, () => ({ id: T.rectifying.id }), fc.record({ until: past, reason: text })),
      ),
  },
  [`POST ${N}/:id/extension-requests/:rid/decision`]: {
    as: OFFICE,
    params: () => ({ id: T.extension.id, rid: 'x1' }),
    body: 'required',
    template: () => ({ decision: 'approve', comment: '同意' }),
    refused: () =>
      fc.oneof(
        refused('no such request', OFFICE, () => ({ id: T.extension.id, rid: 'x9' }), fc.record({ decision: fc.constantFrom('approve', 'deny'), comment: text })),
        refused('deny without a reason', OFFICE, () => ({ id: T.extension.id, rid: 'x1' }), fc.constant({ decision: 'deny' })),
      ),
  },

  'GET /api/escalations': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/escalations/:id': { as: LIAISON, params: () => ({ id: T.escalation.id }), body: 'none' },
  'POST /api/escalations/:id/decision': {
    as: 'p-liu-yang',
    params: () => ({ id: T.escalation.id }),
    body: 'required',
    template: () => ({ decision: 'escalate', comment: '请书记督办' }),
    refused: () =>
      fc.oneof(
        refused('accountability at level 1', 'p-liu-yang', () => ({ id: T.escalation.id }), fc.record({ decision: fc.constant('propose_accountability'), comment: text })),
        refused(
          'supervise beyond the policy',
          'p-liu-yang',
          () => ({ id: T.escalation.id }),
          fc.integer({ min: 4, max: 300 }).map((d) => ({ decision: 'supervise', until: new Date(Date.now() + d * 86400000).toISOString(), comment: '督办' })),
        ),
        refused('extend into the past', 'p-liu-yang', () => ({ id: T.escalation.id }), past.map((until) => ({ decision: 'extend', until, comment: '延期' }))),
      ),
  },

  [`GET ${P}`]: { as: OFFICE, params: () => ({}), body: 'none' },
  [`POST ${P}`]: {
    as: OFFICE,
    params: () => ({}),
    body: 'required',
    template: () => proposalBody('cs'),
    refused: () =>
      fc.oneof(
        refused('unknown unit', OFFICE, {}, unknownUnit.map((unitId) => proposalBody(unitId))),
        refused('unknown party concerned', OFFICE, {}, unknownPerson.map((p) => proposalBody('cs', { partiesConcerned: [p] }))),
        refused('unknown notice', OFFICE, {}, fc.integer({ min: 5000, max: 9999 }).map((n) => proposalBody('cs', { noticeIds: [`2026-${n}`] }))),
        refused('facts in the future', OFFICE, {}, fc.integer({ min: 1, max: 1000 }).map((d) => proposalBody('cs', { factsAt: new Date(Date.now() + d * 86400000).toISOString() }))),
        refused(
          'evidence that is not stored',
          OFFICE,
          {},
          fc.tuple(fc.array(upload, { maxLength: 2 }), text, unknownSha).map(([ups, name, sha256]) => proposalBody('cs', { evidence: [...ups, { name, sha256 }] })),
        ),
        refused(
          'evidence too large',
          OFFICE,
          {},
          fc.integer({ min: 64 * 1024 + 1, max: 100 * 1024 }).map((n) => proposalBody('cs', { evidence: [{ name: 'big.bin', contentBase64: Buffer.alloc(n, 7).toString('base64') }] })),
        ),
      ),
  },
  [`GET ${P}/:id`]: { as: OFFICE, params: () => ({ id: T.draft.id }), body: 'none' },
  [`GET ${P}/:id/evidence/:sha256`]: { as: OFFICE, params: () => ({ id: T.draft.id, sha256: T.draft.sha256! }), body: 'none' },
  [`PATCH ${P}/:id`]: {
    as: OFFICE,
    params: () => ({ id: T.draft.id }),
    body: 'required',
    template: () => ({ facts: '门户网站遭受攻击，中断8小时（附监测记录）。' }),
    refused: () =>
      fc.oneof(
        refused('nothing to change', OFFICE, () => ({ id: T.draft.id }), fc.constant({})),
        refused('edit after submission', OFFICE, () => ({ id: T.submitted.id }), fc.record({ facts: text, evidence: fc.array(upload, { minLength: 1, maxLength: 2 }) })),
        refused('unknown party concerned', OFFICE, () => ({ id: T.draft.id }), unknownPerson.map((p) => ({ partiesConcerned: [p] }))),
        refused('measure for someone not attributed', OFFICE, () => ({ id: T.draft.id }), fc.constant({ individuals: [{ personId: 'p-guo-fang', measure: 'admonishment', reason: '无关' }] })),
        refused(
          'evidence that is not stored',
          OFFICE,
          () => ({ id: T.draft.id }),
          fc.tuple(fc.array(upload, { maxLength: 2 }), text, unknownSha).map(([ups, name, sha256]) => ({ evidence: [...ups, { name, sha256 }] })),
        ),
      ),
  },
  [`POST ${P}/:id/request-approval`]: {
    as: OFFICE,
    params: () => ({ id: T.ready.id }),
    body: 'optional',
    refused: () =>
      fc.oneof(
        refused('nothing recommended', OFFICE, () => ({ id: T.draft.id }), fc.constant({})),
        refused('already submitted', OFFICE, () => ({ id: T.submitted.id }), fc.constant({})),
      ),
  },
  [`POST ${P}/:id/approve`]: {
    as: CYBER_LEADER,
    params: () => ({ id: T.awaiting.id }),
    body: 'optional',
    template: () => ({ comment: '同意提交' }),
    refused: () => refused('not asked to approve', CYBER_LEADER, () => ({ id: T.draft.id }), fc.record({ comment: text })),
  },
  [`POST ${P}/:id/return`]: {
    as: CYBER_LEADER,
    params: () => ({ id: T.awaiting.id }),
    body: 'required',
    template: () => ({ reason: '事实部分缺少监测依据' }),
    refused: () => refused('not asked to approve', CYBER_LEADER, () => ({ id: T.submitted.id }), fc.record({ reason: text })),
  },
  [`POST ${P}/:id/decision`]: {
    as: 'p-liu-chang',
    params: () => ({ id: T.submitted.id }),
    body: 'required',
    template: () => ({ decision: 'accepted' }),
    refused: () =>
      fc.oneof(
        refused('not submitted yet', 'p-liu-chang', () => ({ id: T.awaiting.id }), fc.constant({ decision: 'accepted' })),
        refused('for the other body', 'p-liu-chang', () => ({ id: T.submitted.id }), fc.constant({ body: 'discipline_committee', decision: 'accepted' })),
        refused('modified without a reason', 'p-liu-chang', () => ({ id: T.submitted.id }), fc.constant({ decision: 'modified' })),
      ),
  },

  'GET /api/notifications': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/notifications/:id': { as: OFFICE, params: () => ({ id: String(T.sentOutbox) }), body: 'none' },
  'POST /api/notifications/:id/retry': {
    as: OFFICE,
    params: () => ({ id: String(T.failedOutbox) }),
    body: 'none',
    refused: () => fc.constant({ kind: 'already sent', as: OFFICE, params: { id: String(T.sentOutbox) } }),
  },
  'GET /api/notification-channels': { as: OFFICE, params: () => ({}), body: 'none' },
  'PUT /api/notification-channels/:scope/:scopeId/:kind': {
    as: OFFICE,
    params: () => ({ scope: 'unit', scopeId: 'cs', kind: 'wecom' }),
    body: 'required',
    template: () => ({ webhookUrl: 'http://127.0.0.1:9/robot', enabled: false }),
    refused: () =>
      fc.oneof(
        refused('unknown unit', OFFICE, {}, fc.constant({ webhookUrl: 'http://127.0.0.1:9/robot', enabled: false })).chain((r) =>
          unknownUnit.map((u) => ({ ...r, params: { scope: 'unit', scopeId: u, kind: 'wecom' } })),
        ),
        refused('not a web URL', OFFICE, { scope: 'unit', scopeId: 'cs', kind: 'wecom' }, fc.constantFrom('javascript:alert(1)', 'file:///etc/passwd', 'ftp://x', 'not a url').map((webhookUrl) => ({ webhookUrl }))),
      ),
  },
  'DELETE /api/notification-channels/:scope/:scopeId/:kind': {
    as: OFFICE,
    params: () => ({ scope: 'unit', scopeId: 'cs', kind: 'wecom' }),
    body: 'none',
    refused: () => fc.constant({ kind: 'no such robot', as: OFFICE, params: { scope: 'unit', scopeId: 'ito', kind: 'feishu' } }),
  },

  'GET /api/audit': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/audit/verify': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/audit/export': { as: OFFICE, params: () => ({}), body: 'none' },

  // Incidents, the register, triggers (issue 10)
  'POST /api/incidents': {
    as: LIAISON,
    params: () => ({}),
    body: 'required',
    template: () => incidentBody('cs'),
    refused: () =>
      fc.oneof(
        refused('another unit', LIAISON, {}, fc.constant(incidentBody('ito'))),
        refused('unknown unit', OFFICE, {}, unknownUnit.map((u) => incidentBody(u, { source: 'monitoring' }))),
        refused('detected in the future', LIAISON, {}, fc.integer({ min: 2, max: 1000 }).map((d) => incidentBody('cs', { detectedAt: new Date(Date.now() + d * 3600000).toISOString() }))),
        refused('started after detection', LIAISON, {}, fc.integer({ min: 2, max: 1000 }).map((d) => incidentBody('cs', { startedAt: new Date(Date.now() - 1000).toISOString(), detectedAt: new Date(Date.now() - d * 3600000).toISOString() }))),
        refused('unknown system', LIAISON, {}, fc.integer({ min: 5000, max: 9999 }).map((n) => incidentBody('cs', { systemIds: [`SYS-${n}`] }))),
        refused('control characters', LIAISON, {}, fc.constantFrom('a\u0000b', 'x\u0007y', '\ud800z').map((title) => incidentBody('cs', { title }))),
        refused('the office as the unit', OFFICE, {}, fc.constant(incidentBody('cs', { source: 'unit' }))),
      ),
  },
  'GET /api/incidents': { as: LIAISON, params: () => ({}), body: 'none' },
  'GET /api/incidents/:id': { as: LIAISON, params: () => ({ id: T.incReview.id }), body: 'none' },
  'GET /api/incidents/:id/evidence/:sha256': { as: LIAISON, params: () => ({ id: T.incReview.id, sha256: T.incReview.sha256! }), body: 'none' },
  'POST /api/incidents/:id/report': {
    as: LIAISON,
    params: () => ({ id: T.incOffice.id }),
    body: 'required',
    template: () => ({ summary: '已核实' }),
    refused: () => fc.oneof(refused('reported already', LIAISON, () => ({ id: T.incOpen.id }), fc.record({ summary: text })), refused('closed', LIAISON, () => ({ id: T.incClosed.id }), fc.record({ summary: text }))),
  },
  'POST /api/incidents/:id/confirm': {
    as: LIAISON,
    params: () => ({ id: T.incOffice.id }),
    body: 'required',
    template: () => ({ agrees: true }),
    refused: () =>
      fc.oneof(
        refused('recorded by the unit', LIAISON, () => ({ id: T.incOpen.id }), fc.constant({ agrees: true })),
        refused('dispute without a reason', LIAISON, () => ({ id: T.incOffice.id }), fc.constant({ agrees: false })),
      ),
  },
  'POST /api/incidents/:id/containment': {
    as: LIAISON,
    params: () => ({ id: T.incOpen.id }),
    body: 'required',
    template: () => ({ measures: '已隔离' }),
    refused: () => refused('restored already', LIAISON, () => ({ id: T.incRestored.id }), fc.record({ measures: text })),
  },
  'POST /api/incidents/:id/restoration': {
    as: LIAISON,
    params: () => ({ id: T.incOpen.id }),
    body: 'required',
    template: () => ({ summary: '已恢复' }),
    refused: () =>
      fc.oneof(
        refused('restored already', LIAISON, () => ({ id: T.incRestored.id }), fc.record({ summary: text })),
        refused('restored in the future', LIAISON, () => ({ id: T.incOpen.id }), fc.integer({ min: 2, max: 1000 }).map((h) => ({ summary: '已恢复', restoredAt: new Date(Date.now() + h * 3600000).toISOString() }))),
      ),
  },
  'POST /api/incidents/:id/restoration/confirm': {
    as: OFFICE,
    params: () => ({ id: T.incRestored.id }),
    body: 'required',
    template: () => ({ decision: 'confirm' }),
    refused: () =>
      fc.oneof(
        refused('nothing restored', OFFICE, () => ({ id: T.incOpen.id }), fc.constant({ decision: 'confirm' })),
        refused('reject without a reason', OFFICE, () => ({ id: T.incRestored.id }), fc.constant({ decision: 'reject' })),
      ),
  },
  'POST /api/incidents/:id/closing-report': {
    as: LIAISON,
    params: () => ({ id: T.incOpen.id }),
    body: 'required',
    template: closingReportBody,
    refused: () =>
      fc.oneof(
        refused('outage not confirmed restored', LIAISON, () => ({ id: T.incRestored.id }), fc.record({ summary: text, measures: text, evidence: fc.array(upload, { minLength: 1, maxLength: 2 }) })),
        refused('under review', LIAISON, () => ({ id: T.incReview.id }), fc.record({ summary: text, measures: text, evidence: fc.array(upload, { minLength: 1, maxLength: 2 }) })),
      ),
  },
  'POST /api/incidents/:id/review': {
    as: OFFICE,
    params: () => ({ id: T.incReview.id }),
    body: 'required',
    template: () => ({ decision: 'accept' }),
    refused: () =>
      fc.oneof(
        refused('nothing to review', OFFICE, () => ({ id: T.incOpen.id }), fc.record({ decision: fc.constantFrom('accept', 'reject'), comment: text })),
        refused('reject without a reason', OFFICE, () => ({ id: T.incReview.id }), fc.constant({ decision: 'reject' })),
      ),
  },
  'POST /api/incidents/:id/serious-impact': {
    as: OFFICE,
    params: () => ({ id: T.incOpen.id }),
    body: 'required',
    template: () => ({ reason: '影响严重' }),
    refused: () => refused('closed', OFFICE, () => ({ id: T.incClosed.id }), fc.record({ reason: text })),
  },
  'POST /api/incidents/:id/notices': {
    as: OFFICE,
    params: () => ({ id: T.incOpen.id }),
    body: 'required',
    template: () => ({ noticeId: T.issued.id }),
    refused: () => refused('unknown notice', OFFICE, () => ({ id: T.incOpen.id }), fc.integer({ min: 5000, max: 9999 }).map((n) => ({ noticeId: `2026-${n}` }))),
  },
  'POST /api/incidents/:id/close': {
    as: OFFICE,
    params: () => ({ id: T.incOpen.id }),
    body: 'required',
    template: () => ({ reason: '已处置' }),
    refused: () => refused('closed already', OFFICE, () => ({ id: T.incClosed.id }), fc.record({ reason: text })),
  },
  'GET /api/systems': { as: LIAISON, params: () => ({}), body: 'none' },
  'POST /api/systems': {
    as: OFFICE,
    params: () => ({}),
    body: 'required',
    template: () => systemBody('cs'),
    refused: () =>
      fc.oneof(
        refused('unknown unit', OFFICE, {}, unknownUnit.map((u) => systemBody(u))),
        refused('control characters', OFFICE, {}, fc.constantFrom('a\u0000b', 'x\u001by', '\udc00').map((name) => systemBody('cs', { name }))),
      ),
  },
  'POST /api/systems/import': {
    as: OFFICE,
    params: () => ({}),
    body: 'required',
    template: () => ({ format: 'csv', contentBase64: Buffer.from('单位,名称,地址,等保级别\ncs,模糊测试,f.example.edu.cn,2\n').toString('base64') }),
    refused: () =>
      fc.oneof(
        refused('a bad row among good ones', OFFICE, {}, fc.tuple(unknownUnit, fc.integer({ min: 6, max: 99 })).map(([u, lvl]) => ({
          format: 'csv',
          contentBase64: Buffer.from(`单位,名称,地址,等保级别\ncs,好的行,ok.example.edu.cn,2\n${u},坏的行,bad.example.edu.cn,${lvl}\n`).toString('base64'),
        }))),
        refused('not a spreadsheet', OFFICE, {}, fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => ({ format: 'xlsx', contentBase64: Buffer.from(b).toString('base64') }))),
      ),
  },
  'GET /api/systems/:id': { as: LIAISON, params: () => ({ id: T.system }), body: 'none' },
  'PATCH /api/systems/:id': {
    as: OFFICE,
    params: () => ({ id: T.system }),
    body: 'required',
    template: () => ({ contact: '王老师' }),
    refused: () => fc.oneof(refused('nothing to change', OFFICE, () => ({ id: T.system }), fc.constant({})), refused('level 6', OFFICE, () => ({ id: T.system }), fc.constant({ protectionLevel: 6 }))),
  },
  'GET /api/accountability-triggers': { as: OFFICE, params: () => ({}), body: 'none' },
  'POST /api/accountability-triggers': {
    as: OFFICE,
    params: () => ({}),
    body: 'required',
    template: () => ({ rule: 'recorded_other', unitId: 'cs', facts: '其他严重情形', factsAt: new Date().toISOString() }),
    refused: () =>
      fc.oneof(
        refused('unknown unit', OFFICE, {}, unknownUnit.map((unitId) => ({ rule: 'recorded_other', unitId, facts: '事实', factsAt: new Date().toISOString() }))),
        refused('facts in the future', OFFICE, {}, fc.integer({ min: 1, max: 100 }).map((d) => ({ rule: 'recorded_other', unitId: 'cs', facts: '事实', factsAt: new Date(Date.now() + d * 86400000).toISOString() }))),
        refused('notice not at the top of the chain', OFFICE, {}, fc.constant({ rule: 'unrectified_after_chain', unitId: 'cs', facts: '未整改', consequences: '造成泄露', factsAt: new Date().toISOString(), noticeIds: [T.issued.id] })),
      ),
  },
  'GET /api/auth/config': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/auth/login': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/auth/callback': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/auth/cas/callback': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/auth/dev/people': { as: OFFICE, params: () => ({}), body: 'none' },
  'POST /api/auth/dev/signin': {
    as: OFFICE,
    params: () => ({}),
    body: 'required',
    template: () => ({ personId: LIAISON }),
    refused: () => refused('nobody of that id', OFFICE, {}, fc.constantFrom('p-nobody', 'P-LI-NA', ' p-li-na', 'p-li-na\u0000').map((personId) => ({ personId }))),
  },
  'GET /api/auth/session': { as: OFFICE, params: () => ({}), body: 'none' },
  'POST /api/auth/signout': { as: OFFICE, params: () => ({}), body: 'none' },
  'GET /api/system/stuck': { as: OFFICE, params: () => ({}), body: 'none' },


  // Issue 12: calendar upkeep (a year far ahead, test data only).
  'GET /api/calendar': { as: OFFICE, params: () => ({}), body: 'none' },
  'PUT /api/calendar/years/:year': {
    as: OFFICE,
    params: () => ({ year: '2099' }),
    body: 'required',
    template: () => ({ holidays: [{ date: '2099-01-01', name: '测试用假日' }], workdays: [] }),
    refused: () =>
      fc.oneof(
        refused('a date outside the year', OFFICE, { year: '2099' }, fc.constant({ holidays: [{ date: '2098-12-31', name: '测试' }] })),
        refused('a weekday as a make-up working day', OFFICE, { year: '2099' }, fc.constant({ holidays: [{ date: '2099-01-01', name: '测试' }], workdays: [{ date: '2099-01-05', name: '测试' }] })),
      ),
  },
  'POST /api/notices/recompute-deadlines': { as: OFFICE, params: () => ({}), body: 'none' },
  // Issue 9: the dashboard's figures; refused: an instant ahead or long past, a unit that is not one.
  ...Object.fromEntries(
    ['open-notices', 'overdue-weekly', 'escalations', 'on-time', 'closed-monthly'].map((k) => [
      `GET /api/stats/${k}`,
      {
        as: OFFICE,
        params: () => ({}),
        body: 'none',
        refused: () =>
          fc
            .constantFrom('?asOf=2999-01-01T00:00:00Z', '?asOf=1999-12-31T00:00:00+08:00', '?asOf=2026-13-01T00:00:00Z', '?asOf=yesterday', '?unitId=no-such-unit', '?unitId=cs&unitId=ito')
            .map((query) => ({ kind: 'refused stats query', as: OFFICE, query })),
      } satisfies Spec,
    ]),
  ),
};

/** Every kind of request for one endpoint. */
function requests(ep: Endpoint, spec: Spec): fc.Arbitrary<Req> {
  const names = ep.path.match(/:(\w+)/g)?.map((x) => x.slice(1)) ?? [];
  const arbs: Array<fc.Arbitrary<Req>> = [badCredentials(), unreadableBodies(spec.template?.())];
  if (ep.method === 'GET') arbs.push(queries);
  if (spec.body !== 'none') arbs.push(junkBodies(spec.template?.()));
  if (names.length > 0) {
    arbs.push(
      fc.tuple(fc.constantFrom(...names), oddParam).map(([name, v]) => ({ kind: `odd :${name}`, as: null, params: { ...spec.params(), [name]: v }, body: spec.template?.() })),
    );
  }
  // Well-formed refusals are the likeliest to slip through: half the runs.
  const weighted = arbs.map((arbitrary) => ({ arbitrary, weight: 1 }));
  if (spec.refused) weighted.push({ arbitrary: spec.refused(), weight: Math.max(1, arbs.length) });
  return fc.tuple(fc.oneof(...weighted), harmlessHeaders).map(([r, h]) => ({ ...r, headers: { ...h, ...r.headers } }));
}

function fill(pattern: string, params: Params): string {
  return pattern.replace(/:(\w+)/g, (_m, k: string) => enc(params[k] ?? ''));
}

async function send(ep: Endpoint, spec: Spec, r0: Req): Promise<Response> {
  const r = await resolveCredentials(r0);
  const url = `${fill(ep.path, r.params ?? spec.params())}${r.query ?? ''}`;
  const as = r.badCredentials ? null : (r.as ?? spec.as);
  return call(s, ep.method, url, { as, headers: r.headers, body: r.body, raw: r.raw });
}

function verdict(ep: Endpoint, r: Req, res: Response): string | null {
  if (res.status >= 500) return `${res.status} ${JSON.stringify(res.body)}`;
  if (r.badCredentials && ep.action !== 'public') {
    if (res.status !== 401) return `bad credentials answered ${res.status}`;
  } else if (ep.method !== 'GET' && (res.status < 400 || res.status >= 500)) {
    return `answered ${res.status}: a write accepted what it should refuse`;
  }
  if (res.status >= 400) {
    if (!/application\/json/.test(String(res.headers['content-type']))) return `${res.status} not as JSON (${String(res.headers['content-type'])})`;
    if (typeof (res.body as { error?: unknown }).error !== 'string') return `${res.status} without an error message`;
  }
  return null;
}

test('every endpoint has a fuzz spec (add one for a new endpoint)', () => {
  expect(ENDPOINTS.map((e) => `${e.method} ${e.path}`).filter((k) => !SPECS[k])).toEqual([]);
});

describe('random and malformed requests are refused with a JSON error, never a 5xx, and change nothing', () => {
  test.each(ENDPOINTS.map((e, i) => [`${e.method} ${e.path}`, e, i] as const))('%s', async (key, ep, i) => {
    const spec = SPECS[key];
    const before = await quietSnapshot();
    const accepted: string[] = [];
    await fc.assert(
      fc.asyncProperty(requests(ep, spec), async (r) => {
        const res = await send(ep, spec, r);
        if (res.status < 400) accepted.push(`${r.kind} → ${res.status}`);
        const bad = verdict(ep, r, res);
        if (bad) throw new Error(`${key} ← ${r.kind}: ${bad}`);
      }),
      { numRuns: RUNS, seed: SEED + i, endOnFailure: true },
    );
    const after = await quietSnapshot();
    // No process was left behind retrying what a request sent (issue 11).
    expect(await runningWithFailingActivity(s)).toEqual([]);
    const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
    if (changed.length) {
      throw new Error(
        `${key}: refused requests changed ${changed.map((k) => `${k} (${before[k]} → ${after[k]})`).join(', ')}; ` +
          `answered below 400: ${accepted.join('; ') || 'none'}. Reproduce with FUZZ_SEED=${SEED}.`,
      );
    }
  });
});
