/**
 * The dispatcher: a loop in the worker process that claims due outbox rows, sends each through its
 * channel, and records the attempt. Protocol per row:
 *
 *   1. claim   — one statement: status `sending`, attempts + 1, a lease (lease_owner, lease_until),
 *                and an attempt row `started`. Nobody else claims a row while its lease runs.
 *   2. send    — SMTP with a Message-ID derived from the idempotency key; robots with the key in a
 *                header. Every send times out well within the lease.
 *   3. record  — at once: `sent` (retried a few times if the database hiccups), or back to
 *                `pending` with exponential backoff and jitter, or `failed` after
 *                NOTIFY_MAX_ATTEMPTS or a permanent refusal.
 *
 * A worker killed between 1 and 3 leaves the row `sending`; when the lease expires, any worker puts
 * it back in the queue (the attempt closed as lease_expired) and it is sent again with the same
 * identity. Nothing is lost; a duplicate is possible only if the kill fell between the server's
 * acceptance and our record — see README "Notifications / exactly once".
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Db } from '../db/client';
import { DeliveryError, type ChannelSender } from './channels/types';
import { claimDue, OUTBOX_CHANNEL, outboxEvents, reapExpiredLeases, recordFailure, recordSentMany, releaseClaimed, renewLeases, type OutboxMessage } from './outbox';
import { isRobotChannel, type DeliveryChannel } from './preferences';
import { findRobot, type Robot } from './robots';

export interface DispatcherLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DispatchOutcome {
  message: OutboxMessage;
  /** `lost`: the lease was gone when the failure was to be recorded (another worker has the row). */
  status: 'sent' | 'pending' | 'failed' | 'cancelled' | 'lost';
  error?: string;
}

export interface DispatcherOptions {
  db: Db;
  senders: ChannelSender[];
  log?: DispatcherLog;
  /** How often to look for due rows when not woken by an enqueue in this process (ms). */
  pollMs?: number;
  /** Rows claimed at a time (default: twice the concurrency, so claimed rows do not wait long). */
  batchSize?: number;
  /** Sends in flight at a time. */
  concurrency?: number;
  /** How long a claimed row is ours before another worker may send it again (ms). */
  leaseMs?: number;
  /** Attempts before a row is `failed` (a manual retry grants as many again). */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Identifies this dispatcher in leases and the attempt log. */
  owner?: string;
  random?: () => number;
  /** Called after each attempt is recorded (tests, the benchmark). */
  onOutcome?: (o: DispatchOutcome) => void;
}

export interface Dispatcher {
  readonly owner: string;
  readonly channels: DeliveryChannel[];
  start(): void;
  /** Stops claiming, lets sends in flight finish and record, closes the channels. */
  stop(): Promise<void>;
  /** Looks for due rows now. */
  wake(): void;
  /** One round: reap expired leases, claim a batch, send and record it. Returns rows claimed. */
  runOnce(): Promise<number>;
}

/** Exponential backoff with "equal jitter": between half and all of min(max, base·2^(attempt−1)). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

const silent: DispatcherLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const db = opts.db;
  const log = opts.log ?? silent;
  const pollMs = opts.pollMs ?? 1000;
  const concurrency = opts.concurrency ?? 8;
  const batchSize = opts.batchSize ?? 2 * concurrency;
  const leaseMs = opts.leaseMs ?? 60000;
  const maxAttempts = opts.maxAttempts ?? 10;
  const baseMs = opts.backoffBaseMs ?? 5000;
  const maxMs = opts.backoffMaxMs ?? 30 * 60000;
  const random = opts.random ?? Math.random;
  const owner = opts.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const senders = new Map(opts.senders.map((s) => [s.channel, s]));
  const channels = [...senders.keys()];

  let stopping = false;
  let running: Promise<void> | undefined;
  let woken = false;
  const sleepers = new Set<() => void>();
  let lastReap = 0;
  let lastWarned = 0;

  // ---- Leases we hold: every row claimed and not yet recorded, queued or being sent, with the
  // local time until which our lease surely runs (measured from before the statement that set it).
  // A renewer extends them while we live, so a slow send or a long queue is never taken over by
  // another dispatcher; a row whose lease we could not renew in time is not sent by us (the reaper
  // gives it to whoever comes next). Without this, under load, rows waiting in a long local queue
  // outlived their lease, another dispatcher reaped and sent them, and then this one sent them too.
  const held = new Map<number, number>();
  const margin = Math.max(200, leaseMs / 5);
  const holds = (m: OutboxMessage) => (held.get(m.id) ?? 0) - margin > Date.now();
  let renewTimer: NodeJS.Timeout | undefined;
  let renewing: Promise<boolean> | null = null;
  /** Extends the leases we hold; false when the database did not answer. */
  function renew(): Promise<boolean> {
    if (held.size === 0) return Promise.resolve(true);
    renewing ??= (async () => {
      const ids = [...held.keys()];
      const t0 = Date.now();
      try {
        const still = await renewLeases(db, owner, ids, leaseMs);
        for (const id of ids) {
          if (!held.has(id)) continue; // recorded meanwhile
          if (still.has(id)) held.set(id, t0 + leaseMs);
          else held.set(id, 0); // reaped: not ours any more
        }
        return true;
      } catch {
        /* the database is away: the leases run on; rows past their margin are not sent */
        return false;
      } finally {
        renewing = null;
      }
    })();
    return renewing;
  }
  function startRenewer(): void {
    renewTimer ??= setInterval(() => void renew(), Math.max(100, Math.floor(leaseMs / 4)));
    renewTimer.unref?.();
  }
  async function claim(limit: number): Promise<OutboxMessage[]> {
    const t0 = Date.now();
    const got = await claimDue(db, { limit, channels, owner, leaseMs });
    for (const m of got) held.set(m.id, t0 + leaseMs);
    return got;
  }

  function wake(): void {
    woken = true;
    for (const s of sleepers) s();
  }

  async function pause(ms: number): Promise<void> {
    if (woken || stopping) {
      woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      sleepers.add(done);
    });
    woken = false;
  }

  function done(o: DispatchOutcome): void {
    try {
      opts.onOutcome?.(o);
    } catch {
      /* an observer's problem is not ours */
    }
  }

  // ---- Recording successes: group commit. Sends that complete while a record is being written
  // are written together by the next statement, so the time between the server's acceptance and
  // our record stays one short statement while the statements per message drop.
  let toRecord: Array<{ m: OutboxMessage; detail: string | null; resolve: () => void; reject: (e: unknown) => void }> = [];
  let recording = false;

  // A success not yet recorded is kept and retried for as long as the database is away: given up,
  // the row's lease would run out and the message go out a second time (seen: a robot post sent
  // just before a 6 s database outage, its record given up after 5 s, reaped and posted again).
  // Only a stopping dispatcher gives up, after half a lease, so shutdown is never held forever.
  async function flushRecords(): Promise<void> {
    if (recording) return;
    recording = true;
    try {
      while (toRecord.length > 0) {
        const batch = toRecord;
        toRecord = [];
        let stopBy = 0;
        for (let i = 0; ; i++) {
          try {
            await recordSentMany(db, batch.map((x) => ({ id: x.m.id, attempt: x.m.attempt, detail: x.detail })));
            batch.forEach((x) => x.resolve());
            break;
          } catch (err) {
            if (stopping) stopBy ||= Date.now() + leaseMs / 2;
            if (stopBy && Date.now() > stopBy) {
              batch.forEach((x) => x.reject(err));
              break;
            }
            if (i === 0) log.warn({ err, rows: batch.length }, 'notification sent but not yet recorded: the database is away, retrying');
            await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** i)));
          }
        }
      }
    } finally {
      recording = false;
    }
  }

  function recordSent(m: OutboxMessage, detail: string | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      toRecord.push({ m, detail, resolve, reject });
      void flushRecords();
    });
  }

  async function fail(m: OutboxMessage, error: string, permanent: boolean, cancel = false): Promise<void> {
    const status = await recordFailure(db, m, {
      owner,
      error,
      permanent,
      cancel,
      maxAttempts,
      delayMs: permanent || cancel ? 0 : backoffDelay(m.attempt, baseMs, maxMs, random),
    });
    const s = (status ?? 'lost') as DispatchOutcome['status'];
    if (s === 'failed') log.warn({ outboxId: m.id, channel: m.channel, attempts: m.attempt, error }, 'notification failed: the office can retry it');
    else if (s === 'lost') log.warn({ outboxId: m.id }, 'notification lease lost before its failure was recorded');
    done({ message: m, status: s, error });
  }

  async function deliver(m: OutboxMessage): Promise<void> {
    try {
      await deliverHeld(m);
    } finally {
      held.delete(m.id);
    }
  }

  async function deliverHeld(m: OutboxMessage): Promise<void> {
    const sender = senders.get(m.channel)!;
    if (!holds(m)) {
      // Our lease may be gone (the database was away while this row waited): sending now could
      // duplicate another dispatcher's send. Give it back if it is still ours; else it is theirs.
      await releaseClaimed(db, owner, [m.id]).catch(() => undefined);
      log.warn({ outboxId: m.id }, 'notification lease not renewed in time: not sent by this worker, due again');
      done({ message: m, status: 'lost' });
      return;
    }
    let robot: Robot | undefined;
    try {
      if (isRobotChannel(m.channel)) {
        const ref = m.payload.robot;
        const found = ref ? await findRobot(db, ref.scope, ref.scopeId, ref.kind) : null;
        if (!found || !found.enabled) {
          await fail(m, `the ${m.channel} robot of ${m.recipient} was removed or disabled`, true, true);
          return;
        }
        robot = found;
      }
    } catch (err) {
      await fail(m, `database: ${(err as Error).message}`, false).catch(() => undefined);
      return;
    }
    let detail: string | null = null;
    try {
      detail = (await sender.send(m, { robot })).detail ?? null;
    } catch (err) {
      const permanent = err instanceof DeliveryError && err.permanent;
      await fail(m, (err as Error).message, permanent);
      return;
    }
    await recordSent(m, detail);
    done({ message: m, status: 'sent' });
  }

  async function reapIfDue(): Promise<void> {
    // Never our own rows: after the database was away longer than a lease, rows of ours still
    // being sent, or sent and waiting for their record, have expired leases, and reaping them
    // would send them again (test/notifications/dispatcher.test.ts, "… during a slow send"). So not while
    // successes wait for their record, and only after our leases are renewed.
    if (recording || toRecord.length > 0) return;
    if (Date.now() - lastReap < Math.min(1000, leaseMs / 4)) return;
    if (!(await renew())) return;
    lastReap = Date.now();
    const reaped = await reapExpiredLeases(db, maxAttempts);
    if (reaped > 0) log.warn({ reaped }, 'notifications whose worker stopped mid-send are due again');
  }

  async function deliverLogged(m: OutboxMessage): Promise<void> {
    await deliver(m).catch((err: unknown) => log.error({ err, outboxId: m.id }, 'could not record a notification attempt'));
  }

  async function runOnce(): Promise<number> {
    if (channels.length === 0) return 0;
    await reapIfDue();
    startRenewer();
    const batch = await claim(batchSize);
    let next = 0;
    const lane = async () => {
      while (next < batch.length) await deliverLogged(batch[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, lane));
    return batch.length;
  }

  // ---- The running loop: `concurrency` lanes share a local queue of claimed rows, refilled by one
  // claim at a time as it runs low, so sending never waits for a whole batch to finish.
  const queue: OutboxMessage[] = [];
  let refilling: Promise<number> | null = null;

  function refill(): Promise<number> {
    refilling ??= (async () => {
      try {
        await reapIfDue();
        const room = batchSize - queue.length;
        if (room <= 0 || stopping) return 0;
        const got = await claim(room);
        queue.push(...got);
        return got.length;
      } finally {
        refilling = null;
      }
    })();
    return refilling;
  }

  async function lane(): Promise<void> {
    while (!stopping) {
      const m = queue.shift();
      if (m) {
        if (queue.length < concurrency) void refill().catch(() => 0);
        await deliverLogged(m);
        continue;
      }
      let got = 0;
      try {
        got = await refill();
      } catch (err) {
        if (Date.now() - lastWarned > 10000) {
          lastWarned = Date.now();
          log.warn({ err }, 'notification dispatcher: database unavailable, trying again');
        }
      }
      if (got === 0 && queue.length === 0) await pause(pollMs);
    }
  }

  async function loop(): Promise<void> {
    if (channels.length === 0) return;
    await Promise.all(Array.from({ length: concurrency }, lane));
    await refilling?.catch(() => 0);
    // Claimed but not sent: give them back rather than leave them to their lease.
    const left = queue.splice(0).map((m) => m.id);
    for (const id of left) held.delete(id);
    await releaseClaimed(db, owner, left).catch((err: unknown) => log.warn({ err, left }, 'could not give back claimed notifications; they are due again when their lease expires'));
  }

  const onEnqueued = () => wake();
  // Other processes' enqueues (PostgreSQL NOTIFY on commit) wake us too; polling stays as the net.
  let unlisten: Promise<(() => Promise<void>) | undefined> | undefined;

  return {
    owner,
    channels,
    start() {
      if (running) return;
      outboxEvents.on('enqueued', onEnqueued);
      startRenewer();
      if (db.listen && channels.length > 0) {
        unlisten = db
          .listen(OUTBOX_CHANNEL, wake, (up, err) => {
            if (!up) log.warn({ err: (err as Error | undefined)?.message }, 'notification dispatcher: LISTEN connection lost; polling until it is back');
          })
          .catch((err: unknown) => {
            log.warn({ err: (err as Error).message }, 'notification dispatcher: could not LISTEN; polling only');
            return undefined;
          });
      }
      running = loop();
    },
    async stop() {
      stopping = true;
      outboxEvents.off('enqueued', onEnqueued);
      wake();
      await running;
      clearInterval(renewTimer);
      await (await unlisten)?.();
      for (const s of senders.values()) await s.close?.();
    },
    wake,
    runOnce,
  };
}
