/**
 * The notification outbox. `enqueueNotifications` writes, in one transaction, the in-app inbox rows
 * and one outbox row per (event, recipient, channel), keyed by an idempotency key derived from the
 * workflow's notify key: a retried activity writes nothing twice. The dispatcher (dispatcher.ts)
 * claims due rows with a lease, sends them and records every attempt here.
 *
 * Keys: `${notifyKey}:${personId}:${channel}` for a person; `${notifyKey}:unit:${unitId}:${channel}`
 * for one post in a unit's group chat that names (and @-mentions) all its recipients there.
 */
import { EventEmitter } from 'node:events';
import type { Db, Queryable } from '../db/client';
import { iso, isoOrNull, jsonColumn } from '../db/rows';
import type { RenderedMessage } from '../domain/messages';
import {
  ROBOT_CHANNELS,
  UNIT_GROUP_ROLES,
  categoryOf,
  toStoredPreferences,
  type PreferenceRow,
  type StoredPreferences,
  type DeliveryChannel,
  type OptionalChannel,
  type PreferenceCategory,
  type RobotChannel,
} from './preferences';
import { renderCommon, templateLocale, type TemplateLocale } from './render';
import { robotsForSql, toRobot, type Robot, type RobotRow, type RobotScope } from './robots';
import { notificationSettings, type NotificationSettings } from './settings';

/** Emits 'enqueued' after a commit that added rows to send: the dispatcher of this process wakes up. */
export const outboxEvents = new EventEmitter();
outboxEvents.setMaxListeners(100);

export interface Recipient {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  locale: string;
}

export interface EnqueueRequest {
  /** Unique per (workflow, event), e.g. `${noticeId}#${version}:${kind}`. */
  key: string;
  /** Message kind: a MessageKind, a ProposalMessageKind… (also picks the preference category). */
  kind: string;
  /** Preference category; by default derived from the kind (preferences.ts). */
  category?: PreferenceCategory;
  /** What the message is about; a notice's id also goes into the inbox row's notice_id. */
  ref?: { kind: 'notice' | 'proposal' | 'incident'; id: string } | null;
  /** The unit whose group-chat robots may post it (to its own people among the recipients); null: none. */
  unitId?: string | null;
  link?: string | null;
  /** The resolved people (db/org getPeople). */
  recipients: Recipient[];
  /** The message in a locale; called at most once per locale. */
  render(locale: TemplateLocale): RenderedMessage;
  /** When the event happened (for event-to-delivery times); now by default. */
  eventAt?: Date | string;
}

export interface EnqueueResult {
  recipients: number;
  /** New outbox rows to send (not in-app; 0 on a retry). */
  queued: number;
}

export interface RobotRef {
  scope: RobotScope;
  scopeId: string;
  kind: RobotChannel;
}

export interface OutboxPayload {
  to?: { name: string; address: string };
  robot?: RobotRef;
  mentions?: Array<{ id: string; name: string; phone: string | null }>;
}

interface NewRow {
  key: string;
  channel: DeliveryChannel;
  recipient: string;
  personId: string | null;
  locale: TemplateLocale;
  subject: string;
  body: string;
  payload: OutboxPayload;
  status: 'pending' | 'sent';
}

/** Writes the inbox rows and the outbox rows in one transaction; idempotent. */
export async function enqueueNotifications(db: Db, req: EnqueueRequest, settings: NotificationSettings = notificationSettings()): Promise<EnqueueResult> {
  const result = await db.tx((q) => enqueueInTransaction(q, req, settings));
  if (result.queued > 0) outboxEvents.emit('enqueued', result.queued);
  return result;
}

/**
 * What a message needs to know of its recipients, in one statement (every message of every step
 * runs it inside the recording transaction, so one round trip, not three): their stored channels for
 * the category, the enabled robots of theirs and of the unit, and which of them read the unit's
 * group chat (its members by role now).
 */
async function recipientChannels(
  q: Queryable,
  personIds: string[],
  category: PreferenceCategory,
  unitId: string | null,
): Promise<{ prefs: StoredPreferences; robots: Robot[]; members: Set<string> }> {
  const row = (
    await q.query<{ prefs: unknown; robots: unknown; members: unknown }>(
      `SELECT
         (SELECT json_agg(json_build_object('person_id', person_id, 'category', category, 'channels', channels))
            FROM notification_preferences WHERE person_id = ANY($1::text[]) AND category = $2) AS prefs,
         (SELECT json_agg(r) FROM (${robotsForSql('$1', '$3')}) r) AS robots,
         (SELECT json_agg(DISTINCT person_id) FROM role_assignments
           WHERE unit_id = $3 AND role = ANY($4::text[]) AND person_id = ANY($1::text[])
             AND valid_from <= now() AND (valid_to IS NULL OR valid_to > now())) AS members`,
      [personIds, category, unitId, [...UNIT_GROUP_ROLES]],
    )
  ).rows[0];
  return {
    prefs: toStoredPreferences(jsonColumn<PreferenceRow[] | null>(row.prefs) ?? []),
    robots: (jsonColumn<RobotRow[] | null>(row.robots) ?? []).map(toRobot),
    members: new Set(jsonColumn<string[] | null>(row.members) ?? []),
  };
}

/** As enqueueNotifications, inside the caller's transaction (the caller wakes the dispatcher). */
export async function enqueueInTransaction(q: Queryable, req: EnqueueRequest, settings: NotificationSettings = notificationSettings()): Promise<EnqueueResult> {
  const people = [...new Map(req.recipients.map((p) => [p.id, p])).values()];
  if (people.length === 0) return { recipients: 0, queued: 0 };
  const ids = people.map((p) => p.id);
  const category = req.category ?? categoryOf(req.kind);
  const cache = new Map<TemplateLocale, RenderedMessage>();
  const message = (l: TemplateLocale): RenderedMessage => {
    let m = cache.get(l);
    if (!m) cache.set(l, (m = req.render(l)));
    return m;
  };
  const opts = { timeZone: settings.timeZone };

  const { prefs, robots, members } = await recipientChannels(q, ids, category, req.unitId ?? null);
  const unitRobots = new Set(robots.filter((r) => r.scope === 'unit').map((r) => r.kind));
  const ownRobots = new Set(robots.filter((r) => r.scope === 'person').map((r) => `${r.scopeId}:${r.kind}`));

  const inbox: Array<{ key: string; personId: string; subject: string; body: string }> = [];
  const rows: NewRow[] = [];
  const groups = new Map<RobotChannel, Recipient[]>();
  for (const p of people) {
    const locale = templateLocale(p.locale);
    const m = message(locale);
    inbox.push({ key: `${req.key}:${p.id}`, personId: p.id, subject: m.subject, body: m.body });
    const base = { personId: p.id, locale, subject: m.subject };
    rows.push({ ...base, key: `${req.key}:${p.id}:inapp`, channel: 'inapp', recipient: p.id, body: m.body, payload: {}, status: 'sent' });
    const chosen = prefs.get(p.id)?.get(category);
    const wants = (c: OptionalChannel) => !chosen || chosen.includes(c);
    if (settings.emailEnabled && p.email && wants('email')) {
      rows.push({
        ...base,
        key: `${req.key}:${p.id}:email`,
        channel: 'email',
        recipient: p.email,
        body: `${m.body}\n\n${renderCommon('emailFooter', locale, {}, opts)}`,
        payload: { to: { name: p.name, address: p.email } },
        status: 'pending',
      });
    }
    for (const kind of ROBOT_CHANNELS) {
      if (!wants(kind)) continue;
      if (ownRobots.has(`${p.id}:${kind}`)) {
        rows.push({
          ...base,
          key: `${req.key}:${p.id}:${kind}`,
          channel: kind,
          recipient: `person:${p.id}`,
          body: m.body,
          payload: { robot: { scope: 'person', scopeId: p.id, kind }, mentions: [{ id: p.id, name: p.name, phone: p.phone }] },
          status: 'pending',
        });
      } else if (unitRobots.has(kind) && members.has(p.id)) {
        groups.set(kind, [...(groups.get(kind) ?? []), p]);
      }
    }
  }
  // One post per group chat, in Chinese (a group's language), naming everyone it is for.
  for (const [kind, ps] of groups) {
    const m = message('zh-CN');
    const names = renderCommon('recipients', 'zh-CN', { names: ps.map((p) => p.name).join('、') }, opts);
    rows.push({
      key: `${req.key}:unit:${req.unitId}:${kind}`,
      channel: kind,
      recipient: `unit:${req.unitId}`,
      personId: null,
      locale: 'zh-CN',
      subject: m.subject,
      body: `${m.body}\n${names}`,
      payload: { robot: { scope: 'unit', scopeId: req.unitId!, kind }, mentions: ps.map((p) => ({ id: p.id, name: p.name, phone: p.phone })) },
      status: 'pending',
    });
  }

  const link = req.link ?? null;
  // The inbox rows, the outbox rows and the dispatchers' wake-up in one statement (one round trip
  // in the step's transaction). The wake-up is delivered on commit to every dispatcher LISTENing
  // (other worker processes on PostgreSQL), and only when something is pending.
  const done = await q.query<{ queued: string | number }>(
    `WITH inbox AS (
       INSERT INTO inbox_messages (dedupe_key, person_id, kind, notice_id, subject, body, link)
       SELECT k, p, $11, $21, s, b, $15 FROM unnest($17::text[], $18::text[], $19::text[], $20::text[]) AS t(k, p, s, b)
       ON CONFLICT (dedupe_key) DO NOTHING
     ), queued AS (
       INSERT INTO notification_outbox (idempotency_key, channel, recipient, person_id, locale, subject, body, payload, status,
          sent_at, unit_id, kind, category, ref_kind, ref_id, link, event_at)
       SELECT k, c, r, p, l, s, b, pl::jsonb, st, CASE WHEN st = 'sent' THEN now() END,
          $10, $11, $12, $13, $14, $15, COALESCE($16::timestamptz, now())
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
           AS t(k, c, r, p, l, s, b, pl, st)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING status
     ), pending AS (SELECT count(*) AS n FROM queued WHERE status = 'pending')
     SELECT n AS queued, CASE WHEN n > 0 THEN pg_notify('${OUTBOX_CHANNEL}', '') END AS woke FROM pending`,
    [
      rows.map((r) => r.key),
      rows.map((r) => r.channel),
      rows.map((r) => r.recipient),
      rows.map((r) => r.personId),
      rows.map((r) => r.locale),
      rows.map((r) => r.subject),
      rows.map((r) => r.body),
      rows.map((r) => JSON.stringify(r.payload)),
      rows.map((r) => r.status),
      req.unitId ?? null,
      req.kind,
      category,
      req.ref?.kind ?? null,
      req.ref?.id ?? null,
      link,
      req.eventAt ? new Date(req.eventAt).toISOString() : null,
      inbox.map((i) => i.key),
      inbox.map((i) => i.personId),
      inbox.map((i) => i.subject),
      inbox.map((i) => i.body),
      req.ref?.kind === 'notice' ? req.ref.id : null,
    ],
  );
  const queued = Number(done.rows[0]?.queued ?? 0);
  return { recipients: people.length, queued };
}

// ---------------------------------------------------------------------------------------------
// The dispatcher's side: claim, record
// ---------------------------------------------------------------------------------------------

export interface OutboxMessage {
  id: number;
  key: string;
  channel: DeliveryChannel;
  recipient: string;
  personId: string | null;
  kind: string;
  subject: string;
  body: string;
  link: string | null;
  payload: OutboxPayload;
  /** The number of this attempt (1 for the first). */
  attempt: number;
  eventAt: Date;
  createdAt: Date;
}

interface ClaimedRow {
  id: string | number;
  idempotency_key: string;
  channel: DeliveryChannel;
  recipient: string;
  person_id: string | null;
  kind: string;
  subject: string;
  body: string;
  link: string | null;
  payload: OutboxPayload | string;
  attempts: number;
  event_at: Date | string;
  created_at: Date | string;
}

/**
 * Claims up to `limit` due rows of the given channels: marks them `sending` with a lease and opens
 * an attempt row, in one statement. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers
 * claim side by side without taking the same row; PGlite (one connection) runs the same SQL.
 */
export async function claimDue(
  q: Queryable,
  opts: { limit: number; channels: readonly DeliveryChannel[]; owner: string; leaseMs: number },
): Promise<OutboxMessage[]> {
  const r = await q.query<ClaimedRow>(
    `WITH due AS (
       SELECT id FROM notification_outbox
        WHERE status = 'pending' AND next_attempt_at <= now() AND channel = ANY($2::text[])
        ORDER BY next_attempt_at, id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE notification_outbox o
          SET status = 'sending', attempts = o.attempts + 1, lease_owner = $3,
              lease_until = now() + ($4::int * interval '1 millisecond')
         FROM due WHERE o.id = due.id
       RETURNING o.id, o.idempotency_key, o.channel, o.recipient, o.person_id, o.kind, o.subject, o.body, o.link,
                 o.payload, o.attempts, o.event_at, o.created_at
     ), started AS (
       INSERT INTO notification_attempts (outbox_id, attempt, worker, started_at, result)
       SELECT id, attempts, $3, now(), 'started' FROM claimed
     )
     SELECT * FROM claimed ORDER BY id`,
    [opts.limit, [...opts.channels], opts.owner, Math.round(opts.leaseMs)],
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    key: x.idempotency_key,
    channel: x.channel,
    recipient: x.recipient,
    personId: x.person_id,
    kind: x.kind,
    subject: x.subject,
    body: x.body,
    link: x.link,
    payload: jsonColumn<OutboxPayload>(x.payload),
    attempt: x.attempts,
    eventAt: new Date(x.event_at),
    createdAt: new Date(x.created_at),
  }));
}

/**
 * Rows whose lease ran out while `sending` (their worker died or hung between claiming and
 * recording): due again at once — or failed when their attempts are used up. The attempt is closed
 * as lease_expired: whether that send reached the server is unknown.
 */
export async function reapExpiredLeases(q: Queryable, maxAttempts: number): Promise<number> {
  const r = await q.query<{ id: string }>(
    `WITH expired AS (
       UPDATE notification_outbox
          SET status = CASE WHEN attempts - attempts_offset >= $1 THEN 'failed' ELSE 'pending' END,
              next_attempt_at = now(), lease_owner = NULL, lease_until = NULL,
              last_error = 'lease expired during attempt ' || attempts || ' (worker stopped or hung): outcome unknown'
        WHERE status = 'sending' AND lease_until <= now()
       RETURNING id, attempts
     ), closed AS (
       UPDATE notification_attempts a
          SET result = 'lease_expired', finished_at = now(), error = 'the worker did not record the outcome before its lease expired'
         FROM expired e WHERE a.outbox_id = e.id AND a.attempt = e.attempts AND a.result = 'started'
     )
     SELECT id FROM expired`,
    [maxAttempts],
  );
  return r.rows.length;
}

/**
 * Records deliveries (several at once: the dispatcher commits the successes that completed
 * together in one statement). A success is recorded whatever the row's state now: the message did
 * go out, and marking it sent keeps a later claim from sending it again.
 */
export async function recordSentMany(q: Queryable, sent: Array<{ id: number; attempt: number; detail: string | null }>): Promise<void> {
  if (sent.length === 0) return;
  await q.query(
    `WITH d AS (
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[]) AS d(id, attempt, detail)
     ), o AS (
       UPDATE notification_outbox o
          SET status = 'sent', sent_at = now(), lease_owner = NULL, lease_until = NULL, last_error = NULL, provider_id = d.detail
         FROM d WHERE o.id = d.id AND o.status <> 'sent'
     )
     UPDATE notification_attempts a SET result = 'sent', finished_at = now(), detail = d.detail, error = NULL
       FROM d WHERE a.outbox_id = d.id AND a.attempt = d.attempt`,
    [sent.map((x) => x.id), sent.map((x) => x.attempt), sent.map((x) => x.detail)],
  );
}

export async function recordSent(q: Queryable, m: Pick<OutboxMessage, 'id' | 'attempt'>, detail: string | null): Promise<void> {
  await recordSentMany(q, [{ id: m.id, attempt: m.attempt, detail }]);
}

/**
 * Gives back rows claimed but not yet sent (a dispatcher stopping): due again at once, as if never
 * claimed — their `started` attempt is removed.
 */
export async function releaseClaimed(q: Queryable, owner: string, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `WITH o AS (
       UPDATE notification_outbox SET status = 'pending', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, next_attempt_at = now()
        WHERE id = ANY($1::bigint[]) AND status = 'sending' AND lease_owner = $2
       RETURNING id, attempts + 1 AS attempt
     )
     DELETE FROM notification_attempts a USING o WHERE a.outbox_id = o.id AND a.attempt = o.attempt AND a.result = 'started'`,
    [ids, owner],
  );
}

/**
 * Records a failed attempt: due again after `delayMs`, or `failed` when permanent or out of
 * attempts. Only while this worker still holds the lease. Returns the new status, or null when the
 * lease was lost.
 */
export async function recordFailure(
  q: Queryable,
  m: Pick<OutboxMessage, 'id' | 'attempt'>,
  f: { owner: string; error: string; permanent: boolean; maxAttempts: number; delayMs: number; cancel?: boolean },
): Promise<string | null> {
  const r = await q.query<{ status: string }>(
    `WITH o AS (
       UPDATE notification_outbox
          SET status = CASE WHEN $6 THEN 'cancelled' WHEN $4 OR attempts - attempts_offset >= $5 THEN 'failed' ELSE 'pending' END,
              next_attempt_at = now() + ($7::int * interval '1 millisecond'),
              lease_owner = NULL, lease_until = NULL, last_error = $3
        WHERE id = $1 AND status = 'sending' AND lease_owner = $8
       RETURNING status
     ), a AS (
       UPDATE notification_attempts SET result = 'error', finished_at = now(), error = $3
        WHERE outbox_id = $1 AND attempt = $2 AND result = 'started'
     )
     SELECT status FROM o`,
    [m.id, m.attempt, f.error.slice(0, 2000), f.permanent, f.maxAttempts, f.cancel ?? false, Math.round(f.delayMs), f.owner],
  );
  return r.rows[0]?.status ?? null;
}

// ---------------------------------------------------------------------------------------------
// The office's side: list, inspect, retry by hand
// ---------------------------------------------------------------------------------------------

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export interface OutboxFilter {
  status?: OutboxStatus;
  channel?: DeliveryChannel;
  kind?: string;
  personId?: string;
  unitId?: string;
  noticeId?: string;
  proposalId?: string;
  page: number;
  pageSize: number;
}

function view(r: Record<string, unknown>) {
  return {
    id: Number(r.id),
    idempotencyKey: r.idempotency_key as string,
    channel: r.channel as DeliveryChannel,
    recipient: r.recipient as string,
    personId: (r.person_id as string | null) ?? null,
    personName: (r.person_name as string | null) ?? null,
    unitId: (r.unit_id as string | null) ?? null,
    kind: r.kind as string,
    category: r.category as string,
    ref: r.ref_kind ? { kind: r.ref_kind as string, id: r.ref_id as string } : null,
    locale: r.locale as string,
    subject: r.subject as string,
    link: (r.link as string | null) ?? null,
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: r.status === 'pending' ? isoOrNull(r.next_attempt_at) : null,
    leaseUntil: isoOrNull(r.lease_until),
    lastError: (r.last_error as string | null) ?? null,
    eventAt: iso(r.event_at),
    createdAt: iso(r.created_at),
    sentAt: isoOrNull(r.sent_at),
    retriedBy: (r.retried_by as string | null) ?? null,
    retriedAt: isoOrNull(r.retried_at),
  };
}

export type OutboxView = ReturnType<typeof view>;

const VIEW_COLUMNS = `o.id, o.idempotency_key, o.channel, o.recipient, o.person_id, p.name AS person_name, o.unit_id, o.kind,
  o.category, o.ref_kind, o.ref_id, o.locale, o.subject, o.link, o.status, o.attempts, o.next_attempt_at, o.lease_until,
  o.last_error, o.event_at, o.created_at, o.sent_at, o.retried_by, o.retried_at`;

export async function listOutbox(q: Queryable, f: OutboxFilter): Promise<{ items: OutboxView[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.status) add('o.status = ?', f.status);
  if (f.channel) add('o.channel = ?', f.channel);
  if (f.kind) add('o.kind = ?', f.kind);
  if (f.personId) add('o.person_id = ?', f.personId);
  if (f.unitId) add('o.unit_id = ?', f.unitId);
  if (f.noticeId) add(`o.ref_kind = 'notice' AND o.ref_id = ?`, f.noticeId);
  if (f.proposalId) add(`o.ref_kind = 'proposal' AND o.ref_id = ?`, f.proposalId);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_outbox o ${w}`, params);
  const rows = await q.query<Record<string, unknown>>(
    `SELECT ${VIEW_COLUMNS} FROM notification_outbox o LEFT JOIN people p ON p.id = o.person_id ${w}
      ORDER BY o.created_at DESC, o.id DESC LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return { items: rows.rows.map(view), total: total.rows[0].n };
}

export async function getOutbox(q: Queryable, id: number) {
  const r = (
    await q.query<Record<string, unknown>>(
      `SELECT ${VIEW_COLUMNS}, o.body, o.provider_id FROM notification_outbox o LEFT JOIN people p ON p.id = o.person_id WHERE o.id = $1`,
      [id],
    )
  ).rows[0];
  if (!r) return null;
  const attempts = await q.query<Record<string, unknown>>(
    'SELECT attempt, worker, started_at, finished_at, result, error, detail FROM notification_attempts WHERE outbox_id = $1 ORDER BY attempt',
    [id],
  );
  return {
    ...view(r),
    body: r.body as string,
    providerId: (r.provider_id as string | null) ?? null,
    attemptLog: attempts.rows.map((a) => ({
      attempt: Number(a.attempt),
      worker: a.worker as string,
      startedAt: iso(a.started_at),
      finishedAt: isoOrNull(a.finished_at),
      result: a.result as string,
      error: (a.error as string | null) ?? null,
      detail: (a.detail as string | null) ?? null,
    })),
  };
}

/**
 * Puts a failed (or cancelled) row back in the queue with a fresh budget of attempts. Returns
 * null when there is no such row, false when it is not failed or cancelled.
 */
export async function retryOutbox(db: Db, id: number, by: string): Promise<boolean | null> {
  const r = await db.query<{ status: string }>(
    `UPDATE notification_outbox
        SET status = 'pending', next_attempt_at = now(), attempts_offset = attempts, retried_by = $2, retried_at = now()
      WHERE id = $1 AND status IN ('failed', 'cancelled')
      RETURNING status`,
    [id, by],
  );
  if (r.rowCount > 0) {
    await db.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
    outboxEvents.emit('enqueued', 1);
    return true;
  }
  const exists = await db.query('SELECT 1 FROM notification_outbox WHERE id = $1', [id]);
  return exists.rows.length > 0 ? false : null;
}

/**
 * Extends the leases of rows this dispatcher still holds (claimed and queued, or being sent), so a
 * slow send or a long local queue is never taken over by another dispatcher while this one is
 * alive. Returns the ids still held; a row missing from the answer was reaped (our lease had run
 * out) and must not be sent by us.
 */
export async function renewLeases(q: Queryable, owner: string, ids: number[], leaseMs: number): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const r = await q.query<{ id: string }>(
    `UPDATE notification_outbox SET lease_until = now() + ($3::int * interval '1 millisecond')
      WHERE id = ANY($1::bigint[]) AND status = 'sending' AND lease_owner = $2
      RETURNING id`,
    [ids, owner, Math.round(leaseMs)],
  );
  return new Set(r.rows.map((x) => Number(x.id)));
}

/** The PostgreSQL channel an enqueue notifies on commit: every dispatcher LISTENs to it. */
export const OUTBOX_CHANNEL = 'cyberduty_outbox';
