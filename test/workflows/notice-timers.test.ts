/**
 * Deadlines, reminders and overdue through the whole stack (API, real worker and activities,
 * database, dispatcher, visibility), with a second-scale policy: what a person and an operator see
 * of them, and a worker restart. The clock logic itself — the rectify clock after acknowledgement,
 * extensions moving timers, review pausing the clock — is tested without the stack in
 * notice-logic.test.ts. The tests await conditions; they never sleep for a fixed time.
 */
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const CS_LIAISON = 'p-li-na';

let s: Stack;
beforeAll(async () => {
  // Acknowledge within 2 s (reminder 1 s before); the rectification deadline an hour away, so
  // nothing else falls due while a test looks at the inboxes and visibility.
  s = await startStack({ policy: fastPolicy({ ack: 'PT2S', ackReminders: ['PT1S'], rectify: 'PT1H', rectifyReminders: ['PT30M'] }) });
});
afterAll(async () => {
  await s?.shutdown();
});

async function issue(title: string): Promise<string> {
  const res = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title,
    category: 'outage',
    severity: 'critical',
    description: '门户网站宕机',
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** The notice's lifecycle events (escalation events, tested in escalation.test.ts, left out). */
async function timeline(id: string): Promise<Array<{ type: string; data: { deadline?: string; due?: string } }>> {
  const all = (await s.as(OFFICE).get(`/api/notices/${id}`)).body.timeline as Array<{ type: string; data: { deadline?: string; due?: string } }>;
  return all.filter((e) => !e.type.startsWith('escalation') && e.type !== 'escalated' && e.type !== 'supervision_lapsed');
}

const hasEvent = (id: string, type: string, deadline?: string) => () =>
  timeline(id).then((t) => t.some((e) => e.type === type && (!deadline || e.data.deadline === deadline)));

test('a reminder, then overdue: the unit and the office are told in Chinese, operators find it by search attribute, and acknowledging clears it', async () => {
  const id = await issue('提醒与逾期');
  await eventually(hasEvent(id, 'overdue', 'acknowledge'), 20000, 'acknowledge overdue');

  const types = (await timeline(id)).map((e) => `${e.type}:${e.data.deadline ?? ''}`);
  expect(types).toEqual(['issued:', 'reminder_sent:acknowledge', 'overdue:acknowledge']);
  let notice = (await s.as(OFFICE).get(`/api/notices/${id}`)).body;
  expect(notice.overdue).toBe('acknowledge');

  // The unit was told, in Chinese, and the office too (the message is sent just after the event is
  // recorded: await it).
  // Escalation messages (the overdue starts an escalation) are tested in escalation.test.ts.
  const unitInbox = await eventually(async () => {
    const items = (await s.as(CS_LIAISON).get('/api/me/inbox?pageSize=100')).body.items.filter(
      (m: { noticeId: string; kind: string }) => m.noticeId === id && !m.kind.startsWith('escalat') && m.kind !== 'decision_needed',
    );
    return items.some((m: { kind: string }) => m.kind === 'overdue') ? items : null;
  }, 10000, 'the overdue message in the unit inbox');
  expect(unitInbox.map((m: { kind: string }) => m.kind).sort()).toEqual(['new_notice', 'overdue', 'reminder']);
  expect(unitInbox.find((m: { kind: string }) => m.kind === 'overdue').subject).toContain('已逾期');
  const officeInbox = (await s.as(OFFICE).get('/api/me/inbox?pageSize=100')).body.items;
  expect(officeInbox.some((m: { noticeId: string; kind: string }) => m.noticeId === id && m.kind === 'overdue')).toBe(true);

  // Operators find it in Temporal by its search attributes.
  await eventually(async () => {
    for await (const wf of s.client.workflow.list({ query: `CydOverdue = "acknowledge" AND CydUnit = "cs"` })) {
      if (wf.workflowId === `notice-${id}`) return true;
    }
    return false;
  }, 20000, 'visibility');

  notice = (await s.as(CS_LIAISON).post(`/api/notices/${id}/acknowledge`)).body;
  expect(notice.status).toBe('rectifying');
  expect(notice.overdue).toBeNull();
  expect((await timeline(id)).map((e) => e.type).at(-1)).toBe('acknowledged');
});

test('a worker restart in the middle of a notice loses nothing', async () => {
  const id = await issue('重启不丢失');
  await s.restartWorker();
  // After a restart the next workflow task first goes to the stopped worker's sticky queue and
  // reaches the new worker only when Temporal's sticky schedule-to-start timeout (10 s) expires;
  // measured at about 10 s here, more on a loaded CI machine. What matters is that it arrives.
  await eventually(hasEvent(id, 'overdue', 'acknowledge'), 90000, 'overdue after restart');
  const ack = await s.as(CS_LIAISON).post(`/api/notices/${id}/acknowledge`);
  expect(ack.status).toBe(200);
  const all = (await s.as(OFFICE).get(`/api/notices/${id}`)).body.timeline as Array<{ seq: number; type: string; data: { deadline?: string } }>;
  expect(all.map((e) => e.seq)).toEqual(all.map((_e, i) => i + 1));
  const t = all.filter((e) => !e.type.startsWith('escalation') && e.type !== 'escalated');
  // Each step recorded exactly once, in order, with no gaps — however long the restart took
  // (the rectification deadline is an hour away: only the acknowledgement falls due meanwhile).
  const keys = t.map((e) => `${e.type}:${e.data.deadline ?? ''}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys).toEqual(expect.arrayContaining(['issued:', 'reminder_sent:acknowledge', 'overdue:acknowledge', 'acknowledged:']));
  expect(keys.at(-1)).toBe('acknowledged:');
});
