/**
 * `npm run bench:notify [-- --n 10000 --concurrency 8 --rate 0]`: N notifications through the outbox
 * to a local SMTP sink (a real smtp-server in its own process), beside the raw nodemailer → sink
 * throughput measured in the same run as the ceiling.
 *
 *  1. raw:    nodemailer (pooled, the same connections and concurrency) straight to the sink.
 *  2. outbox: events are enqueued as the notify activity does (template rendering, inbox row,
 *             outbox rows, one transaction per event) — as fast as possible, or at --rate per
 *             second — while the dispatcher claims, sends and records. Reported: throughput from
 *             the first event to the last delivery, and each message's time from its event to
 *             its receipt by the SMTP server (p50/p95/p99).
 *
 * The database is an in-memory PGlite, or a fresh schema of DATABASE_URL when it is set.
 */
import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { openDb, type Db } from '../db/client';
import { migrate } from '../db/migrate';
import { importOrg, loadOrgFile, getPeople, type Person } from '../db/org';
import { createSmtpSender } from '../notifications/channels/smtp';
import { createDispatcher } from '../notifications/dispatcher';
import { enqueueNotifications } from '../notifications/outbox';
import { renderMessage } from '../notifications/render';

interface Args {
  n: number;
  concurrency: number;
  rate: number;
  batch: number;
  producers: number;
  /** Enqueue everything first, then time the dispatcher alone. */
  drain: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { n: 10000, concurrency: 8, rate: 0, batch: 64, producers: 4, drain: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--drain') {
      out.drain = true;
      continue;
    }
    const [flag, inline] = argv[i].split('=');
    const value = inline ?? argv[++i];
    const num = Number(value);
    if (!Number.isFinite(num) || num < 0) throw new Error(`${flag}: not a number: ${value}`);
    if (flag === '--n') out.n = Math.floor(num);
    else if (flag === '--concurrency') out.concurrency = Math.max(1, Math.floor(num));
    else if (flag === '--rate') out.rate = num;
    else if (flag === '--batch') out.batch = Math.max(1, Math.floor(num));
    else if (flag === '--producers') out.producers = Math.max(1, Math.floor(num));
    else throw new Error(`unknown flag ${flag} (use --n, --concurrency, --rate, --batch, --producers, --drain)`);
  }
  return out;
}

interface Sink {
  url: string;
  received: Map<string, number>;
  /** Resolves once `count` messages whose key starts with `prefix` have arrived. */
  waitFor(prefix: string, count: number): Promise<void>;
  close(): void;
}

async function startSinkProcess(): Promise<Sink> {
  const child = fork(path.join(__dirname, 'sink-process.ts'), [], { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const received = new Map<string, number>();
  const waiters: Array<{ prefix: string; count: number; resolve: () => void }> = [];
  const counts = new Map<string, number>();
  const prefixOf = (key: string) => key.split(':')[0].replace(/-\d+(#.*)?$/, '');
  let url = '';
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { type: string; url?: string; items?: Array<{ key: string; at: number }> }) => {
      if (m.type === 'ready') {
        url = m.url!;
        resolve();
      } else if (m.type === 'received') {
        for (const it of m.items!) {
          received.set(it.key, it.at);
          const p = prefixOf(it.key);
          counts.set(p, (counts.get(p) ?? 0) + 1);
        }
        for (const w of [...waiters]) {
          if ((counts.get(w.prefix) ?? 0) >= w.count) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
    });
  });
  return {
    url,
    received,
    waitFor: (prefix, count) =>
      (counts.get(prefix) ?? 0) >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ prefix, count, resolve })),
    close: () => child.kill(),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Raw nodemailer → sink: the ceiling. */
async function raw(sink: Sink, args: Args): Promise<{ seconds: number; perSecond: number }> {
  const transport = nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: Math.min(args.concurrency, 10), maxMessages: 1000 });
  const started = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < args.n) {
      const i = next++;
      await transport.sendMail({
        from: '网络安全工作责任制 <cyberduty@example.edu.cn>',
        to: { name: '李娜', address: 'lina@example.edu.cn' },
        subject: `【网络安全】基准测试（raw-${i}）整改通知`,
        text: '领导小组办公室向计算机科学与技术学院下发整改通知。请于2026-03-02 24:00（北京时间）前签收。\n查看与办理：http://localhost:3000/notices/2026-0001',
        messageId: `<raw-${i}@example.edu.cn>`,
        headers: { 'X-Cyberduty-Key': `raw-${i}` },
      });
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, lane));
  await sink.waitFor('raw', args.n);
  const seconds = (Date.now() - started) / 1000;
  transport.close();
  return { seconds, perSecond: args.n / seconds };
}

async function openBenchDb(): Promise<{ db: Db; describe: string; drop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
    const db = await openDb({ databaseUrl: process.env.DATABASE_URL, schema });
    return {
      db,
      describe: `PostgreSQL (${db.describe.replace(/^postgres /, '')})`,
      drop: async () => {
        await db.query(`DROP SCHEMA ${schema} CASCADE`);
      },
    };
  }
  const db = await openDb({});
  return { db, describe: 'PGlite (embedded, in memory)', drop: () => Promise.resolve() };
}

async function outbox(sink: Sink, db: Db, people: Person[], args: Args) {
  const eventAt = new Map<string, number>();
  const dispatcher = createDispatcher({
    db,
    senders: [createSmtpSender({ url: sink.url, from: '网络安全工作责任制 <cyberduty@example.edu.cn>', tlsRejectUnauthorized: false, maxConnections: Math.min(args.concurrency, 10) })],
    concurrency: args.concurrency,
    batchSize: args.batch,
    pollMs: 200,
    leaseMs: 60000,
  });
  if (!args.drain) dispatcher.start();
  const started = Date.now();
  const settings = { emailEnabled: true, timeZone: 'Asia/Shanghai' };
  // Several producers, as many workflows' notify activities run at once.
  let nextEvent = 0;
  const produce = async () => {
    for (let i = nextEvent++; i < args.n; i = nextEvent++) {
      if (args.rate > 0) {
        const wait = started + (i * 1000) / args.rate - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      // Each event is its own activity invocation in the worker: yield to the event loop between
      // them (a tight loop of PGlite calls, which run synchronously, would starve sockets and timers).
      await new Promise((r) => setImmediate(r));
      const person = people[i % people.length];
      const noticeId = `2026-${String(i + 1).padStart(5, '0')}`;
      const link = `http://localhost:3000/notices/${noticeId}`;
      const key = `bench-${i}#1:new_notice`;
      const at = Date.now();
      eventAt.set(`${key}:${person.id}:email`, at);
      await enqueueNotifications(
        db,
        {
          key,
          kind: 'new_notice',
          ref: { kind: 'notice', id: noticeId },
          unitId: null,
          link,
          recipients: [person],
          eventAt: new Date(at),
          render: (locale) =>
            renderMessage(
              'new_notice',
              { noticeId, title: '门户网站存在SQL注入漏洞', unitName: '计算机科学与技术学院', severity: 'high', link, params: { acknowledgeBy: '2026-03-02T16:00:00Z', rectifyBy: '2026-03-09T16:00:00Z' } },
              locale,
            ),
        },
        settings,
      );
    }
  };
  await Promise.all(Array.from({ length: args.producers }, produce));
  const enqueueSeconds = (Date.now() - started) / 1000;
  const dispatchStarted = Date.now();
  if (args.drain) dispatcher.start();
  await sink.waitFor('bench', args.n);
  const seconds = (Date.now() - started) / 1000;
  const dispatchSeconds = (Date.now() - dispatchStarted) / 1000;
  await dispatcher.stop();
  const latencies = [...eventAt].map(([key, at]) => (sink.received.get(key) ?? NaN) - at).filter(Number.isFinite).sort((a, b) => a - b);
  const dup = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_outbox WHERE channel = 'email' AND (status <> 'sent' OR attempts <> 1)`);
  return { seconds, perSecond: args.n / seconds, enqueuePerSecond: args.n / enqueueSeconds, dispatchPerSecond: args.n / dispatchSeconds, latencies, notSentOnce: dup.rows[0].n };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sink = await startSinkProcess();
  const bench = await openBenchDb();
  const { db, describe } = bench;
  try {
    await migrate(db);
    await importOrg(db, loadOrgFile(path.join(__dirname, '..', 'config', 'demo-org.yaml')), { source: 'bench' });
    const ids = (await db.query<{ id: string }>('SELECT id FROM people WHERE email IS NOT NULL ORDER BY id')).rows.map((r) => r.id);
    const people = await getPeople(db, ids);
    const cpu = os.cpus();
    console.log(
      `cyberduty notification benchmark: N=${args.n}, dispatcher concurrency ${args.concurrency}, ${args.producers} producers, ${args.rate > 0 ? `events at ${args.rate}/s` : 'events as fast as they can be enqueued'}`,
    );
    console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, Node ${process.version}; database ${describe}; SMTP sink: smtp-server on 127.0.0.1 in its own process`);
    const r = await raw(sink, args);
    console.log(`raw nodemailer → sink (ceiling): ${args.n} messages in ${r.seconds.toFixed(2)} s = ${Math.round(r.perSecond)} msg/s`);
    const o = await outbox(sink, db, people, args);
    const l = o.latencies;
    console.log(`outbox → sink: ${args.n} messages in ${o.seconds.toFixed(2)} s = ${Math.round(o.perSecond)} msg/s (${Math.round((o.perSecond / r.perSecond) * 100)} % of raw); events enqueued at ${Math.round(o.enqueuePerSecond)}/s`);
    if (args.drain) console.log(`dispatcher alone (all ${args.n} enqueued before it started): ${Math.round(o.dispatchPerSecond)} msg/s (${Math.round((o.dispatchPerSecond / r.perSecond) * 100)} % of raw)`);
    console.log(`event → delivery: p50 ${fmtMs(percentile(l, 50))}, p95 ${fmtMs(percentile(l, 95))}, p99 ${fmtMs(percentile(l, 99))}, max ${fmtMs(l[l.length - 1])} (${l.length} measured)`);
    console.log(`rows not sent exactly once: ${o.notSentOnce}`);
  } finally {
    await bench.drop().catch(() => undefined);
    await db.close();
    sink.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
