/**
 * GET /api/system/stuck (issue 11): a workflow whose worker's database is down keeps retrying its
 * first record (a retryable failure, with backoff); once it has failed more than the threshold it is
 * listed for the office with its activity, attempts and last error, logged as an error once, and
 * refused to everyone else.
 */
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createStuckWatch, type StuckItem } from '../../api/stuck';
import { createPrcCalendar } from '../../domain/calendar';
import type { NoticeInput, NoticeState } from '../../domain/notice';
import { createWorker } from '../../worker/worker';
import { openTestDb } from '../support/db';
import { startStack, type Stack } from '../support/stack';
import { call, LIAISON, noticeBody, OFFICE } from '../support/targets';
import { eventually } from '../support/wait';

let s: Stack;
let worker: Worker;
let running: Promise<void>;
let native: NativeConnection;
const queue = `stuck-${crypto.randomBytes(6).toString('hex')}`;
const lines: string[] = [];
const logger = pino(
  { level: 'error' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  }),
);

beforeAll(async () => {
  s = await startStack();
  // A worker whose database is down: every record fails with a retryable error.
  const down = await openTestDb();
  await down.close();
  native = await NativeConnection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
  worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue: queue,
    db: down,
    publicUrl: 'http://cyberduty.test',
    calendar: createPrcCalendar(),
    workflowBundle: { codePath: process.env.TEMPORAL_TEST_BUNDLE! },
  });
  running = worker.run();
}, 120000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
  await s?.shutdown();
});

test('a workflow retrying a failing activity is listed for the office, logged once, refused to others', async () => {
  // A valid notice's input, started on the queue whose worker cannot reach its database.
  const made = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs') });
  const st = made.body as NoticeState;
  const id = st.id.replace(/-(\d+)$/, '-8$1');
  const input: NoticeInput = {
    id,
    unitId: 'cs',
    title: st.title,
    category: st.category,
    severity: st.severity,
    description: st.description,
    assets: [],
    issuedBy: { id: OFFICE, name: '陈静', capacity: 'office' },
    issuedAt: new Date().toISOString(),
    acknowledgeBy: st.acknowledgeBy,
    rectifyBy: st.rectifyBy,
    reminders: st.reminders,
    maxExtensions: st.maxExtensions,
    escalation: st.escalationPlan,
    proposalTiming: { approveWithinMs: 3600000, decideWithinMs: 3600000, remindersMs: [] },
  };
  const handle = await s.client.workflow.start('noticeWorkflow', { taskQueue: queue, workflowId: `notice-${id}`, args: [input] });
  try {
    const watch = createStuckWatch({ temporal: s.client, taskQueue: queue, logger, config: { threshold: 2 } });
    const app = createApp({
      db: s.db,
      temporal: s.client,
      taskQueue: queue,
      policy: s.policy,
      calendar: createPrcCalendar(),
      tokens: s.tokens,
      logger: pino({ level: 'silent' }),
      evidenceMaxBytes: 64 * 1024,
      limits: { perPersonPerMinute: 1_000_000, authFailuresPer15Min: 1_000_000, corsOrigins: [] },
      stuck: watch,
    });
    const asked = { ...s, app };
    // Attempts 1, 2, 3 fail after about 0, 1 and 3 s; the 3rd failure puts it over the threshold.
    const body = await eventually(
      async () => {
        const res = await call(asked, 'GET', '/api/system/stuck', { as: OFFICE });
        expect(res.status).toBe(200);
        const items = (res.body as { items: StuckItem[] }).items.filter((i) => i.workflowId === `notice-${id}`);
        return items.length > 0 ? (res.body as { items: StuckItem[]; threshold: number }) : undefined;
      },
      60000,
      'the workflow to be listed as stuck',
    );
    expect(body.threshold).toBe(2);
    const item = body.items.find((i) => i.workflowId === `notice-${id}`)!;
    expect(item).toMatchObject({ workflowType: 'noticeWorkflow', activityType: 'recordAndNotify' });
    expect(item.attempts).toBeGreaterThan(2);
    expect(item.lastFailure).not.toBe('');
    expect(Date.parse(item.scheduledAt!)).toBeGreaterThan(Date.now() - 120000);
    // Scanned again: still listed, but logged only the once.
    await call(asked, 'GET', '/api/system/stuck', { as: OFFICE });
    await watch.scan();
    const logged = lines.filter((l) => l.includes('STUCK ACTIVITY') && l.includes(`notice-${id}`));
    expect(logged).toHaveLength(1);
    // Counted in the metrics (the last scan's figure).
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/^cyberduty_stuck_activities\{app="cyberduty"\} [1-9]\d*$/m);
    expect(JSON.parse(logged[0])).toMatchObject({ level: 50, stuck: { workflowId: `notice-${id}`, activityType: 'recordAndNotify' } });
    // The office only.
    expect((await call(asked, 'GET', '/api/system/stuck', { as: LIAISON.cs })).status).toBe(403);
    expect((await call(asked, 'GET', '/api/system/stuck', { as: null })).status).toBe(401);
  } finally {
    await handle.terminate('test over');
  }
}, 120000);
