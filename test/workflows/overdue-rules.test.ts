/**
 * Issue 12 through the real stack (API, Temporal dev server, database): a leader's extension on an
 * acknowledgement overdue puts the notice back into a clock and is bounded by the policy; an
 * explicit rectification deadline caps the policy's acknowledgement deadline; who hears of a new
 * notice follows the policy per severity; the review pause is credited when a report is sent back;
 * the notice shows when its reminders fall due.
 */
import { createPrcCalendar, localDate } from '../../domain/calendar';
import { fastPolicy, startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const OFFICE = 'p-chen-jing';
const CS = { liaison: 'p-li-na', direct: 'p-liu-yang', first: 'p-zhang-wei' };

let s: Stack;
beforeAll(async () => {
  // high: acknowledge within 1 s (a notice left alone escalates at once), rectify within 1 h, so a
  // leader may extend by at most 1 h (maxExtend defaults to the rectification window).
  const policy = fastPolicy({ ack: 'PT1S', rectify: 'PT1H', decide: 'PT1H' });
  // low: a working-day rectification window with a reminder 1 working day before, and an
  // acknowledgement window longer than the explicit deadlines below.
  policy.severities.low = {
    ...policy.severities.low,
    acknowledge: { within: 'PT2H', workingDays: false, reminders: [] },
    rectify: { within: 'P3D', workingDays: true, reminders: ['P1D'] },
  };
  s = await startStack({ policy });
});
afterAll(async () => {
  await s?.shutdown();
});

interface Notice {
  id: string;
  status: string;
  overdue: string | null;
  acknowledgeBy: { at: string; explanation: { zh: string; en: string; basis: string; reviewPause?: { pausedMs: number } } };
  rectifyBy: { at: string; explanation: { zh: string; en: string; basis: string; reviewPause?: { pausedMs: number } } };
  escalations: Array<{ id: string; status: string; level: number; endReason?: string; trigger: string }>;
  reminderSchedule?: Array<{ deadline: string; offsetMs: number; at: string; sent: boolean }>;
  timeline: Array<{ type: string; data: Record<string, unknown> }>;
}

async function issue(over: object = {}): Promise<Notice> {
  const res = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title: '逾期规则测试',
    category: 'vulnerability',
    severity: 'high',
    description: '检查逾期后是否始终在计时之中',
    ...over,
  });
  expect(res.status).toBe(201);
  return res.body as Notice;
}

const get = async (id: string): Promise<Notice> => (await s.as(OFFICE).get(`/api/notices/${id}`)).body as Notice;

test("a leader's extension on an acknowledgement overdue moves the acknowledgement deadline, is bounded, and the notice stays in a clock", async () => {
  const n = await issue({ rectifyBy: new Date(Date.now() + 20 * 60000).toISOString() });
  const waiting = await eventually(async () => {
    const x = await get(n.id);
    const e = x.escalations[0];
    return e && e.status === 'awaiting_decision' && e.level === 1 ? x : undefined;
  }, 30000, 'the acknowledgement overdue to escalate to level 1');
  expect(waiting.overdue).toBe('acknowledge');
  const eid = waiting.escalations[0].id;

  // Beyond the policy's bound (the 1 h rectification window): refused, nothing changes.
  let res = await s.as(CS.direct).post(`/api/escalations/${eid}/decision`, {
    decision: 'extend',
    until: new Date(Date.now() + 365 * 86400000).toISOString(),
    comment: '延期一年',
  });
  expect(res.status).toBe(422);
  expect(res.body.error).toContain('maxExtend');
  expect((await get(n.id)).escalations[0].status).toBe('awaiting_decision');

  // Within it (before the rectification deadline): the acknowledgement deadline moves, the notice is on time.
  const until = new Date(Date.now() + 4000).toISOString();
  res = await s.as(CS.direct).post(`/api/escalations/${eid}/decision`, { decision: 'extend', until, comment: '给予四秒签收' });
  expect(res.status).toBe(200);
  expect(res.body.endReason).toBe('extended');
  const after = await get(n.id);
  expect(after.overdue).toBeNull();
  expect(after.acknowledgeBy.at).toBe(until);
  expect(after.acknowledgeBy.explanation.zh).toContain('第1级领导决定延期');
  const decided = after.timeline.find((t) => t.type === 'escalation_decided')!;
  expect(decided.data.moved).toEqual(['acknowledgeBy']);
  expect(decided.data.acknowledgeBy).toBe(until);

  // Still in a clock: when the new acknowledgement deadline passes, it is overdue again and escalates anew.
  const again = await eventually(async () => {
    const x = await get(n.id);
    return x.escalations.length === 2 && x.escalations[1].status === 'awaiting_decision' ? x : undefined;
  }, 30000, 'a second escalation after the extended acknowledgement deadline');
  expect(again.overdue).toBe('acknowledge');
  await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, { reason: '测试结束' });
});

test('an extension past the rectification deadline moves both deadlines', async () => {
  const n = await issue({ rectifyBy: new Date(Date.now() + 60000).toISOString() });
  const waiting = await eventually(async () => {
    const x = await get(n.id);
    return x.escalations[0]?.status === 'awaiting_decision' ? x : undefined;
  }, 30000, 'level 1');
  const until = new Date(Date.now() + 30 * 60000).toISOString();
  const res = await s.as(CS.direct).post(`/api/escalations/${waiting.escalations[0].id}/decision`, { decision: 'extend', until, comment: '半小时内签收并整改' });
  expect(res.status).toBe(200);
  const after = await get(n.id);
  expect(after.acknowledgeBy.at).toBe(until);
  expect(after.rectifyBy.at).toBe(until);
  expect(after.timeline.find((t) => t.type === 'escalation_decided')!.data.moved).toEqual(['acknowledgeBy', 'rectifyBy']);
  await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, { reason: '测试结束' });
});

test('only a rectification deadline given: the acknowledgement deadline is capped at it; both given and in conflict: 422', async () => {
  const rectifyBy = new Date(Date.now() + 3600000).toISOString(); // earlier than the policy's 2 h acknowledgement
  const n = await issue({ severity: 'low', rectifyBy });
  expect(n.rectifyBy.at).toBe(rectifyBy);
  expect(n.acknowledgeBy.at).toBe(rectifyBy);
  expect(n.acknowledgeBy.explanation.zh).toContain('签收期限取整改期限');
  expect(n.acknowledgeBy.explanation.en).toContain('acknowledgement is due with it');

  const res = await s.as(OFFICE).post('/api/notices', {
    unitId: 'cs',
    title: '冲突的期限',
    category: 'other',
    severity: 'low',
    description: '签收期限晚于整改期限',
    acknowledgeBy: new Date(Date.now() + 7200000).toISOString(),
    rectifyBy,
  });
  expect(res.status).toBe(422);
  await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, { reason: '测试结束' });
});

test('who hears of a new notice follows the policy: high also reaches the first responsible person, low does not', async () => {
  const high = await issue({ rectifyBy: new Date(Date.now() + 3600000).toISOString(), acknowledgeBy: new Date(Date.now() + 1800000).toISOString() });
  const low = await issue({ severity: 'low' });
  const inbox = async (who: string) =>
    ((await s.as(who).get('/api/me/inbox?pageSize=100')).body.items as Array<{ kind: string; noticeId: string }>).filter((m) => m.kind === 'new_notice');
  await eventually(async () => (await inbox(CS.first)).some((m) => m.noticeId === high.id), 20000, 'the secretary to hear of the high notice');
  await eventually(async () => (await inbox(CS.liaison)).some((m) => m.noticeId === low.id), 20000, 'the liaison to hear of the low notice');
  expect((await inbox(CS.first)).some((m) => m.noticeId === low.id)).toBe(false);
  expect((await inbox(CS.direct)).some((m) => m.noticeId === low.id)).toBe(true);
  for (const n of [high, low]) await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, { reason: '测试结束' });
});

test('the time a report waits for review is credited when it is sent back', async () => {
  const n = await issue({ severity: 'low' });
  expect((await s.as(CS.liaison).post(`/api/notices/${n.id}/acknowledge`)).status).toBe(200);
  const report = { summary: '已整改', measures: '补丁', evidence: [{ name: 'a.txt', contentBase64: Buffer.from('ok').toString('base64') }] };
  const submitted = await s.as(CS.liaison).post(`/api/notices/${n.id}/rectification`, report);
  expect(submitted.status).toBe(200);
  const before = submitted.body as Notice;
  const rejected = await s.as(OFFICE).post(`/api/notices/${n.id}/review`, { decision: 'reject', comment: '证据不足' });
  expect(rejected.status).toBe(200);
  const after = rejected.body as Notice;
  const pause = after.rectifyBy.explanation.reviewPause!;
  expect(after.rectifyBy.explanation.basis).toBe('review_pause');
  expect(pause.pausedMs).toBeGreaterThan(0);
  expect(Date.parse(after.rectifyBy.at)).toBe(Date.parse(before.rectifyBy.at) + pause.pausedMs);
  expect(after.rectifyBy.explanation.zh).toContain('待审核');
  expect(after.timeline.at(-1)!.data.reviewPause).toMatchObject({ pausedMs: pause.pausedMs });
  await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, { reason: '测试结束' });
});

test('the notice shows when each reminder falls due: working-day windows on a working day at 09:00–09:30 Beijing time', async () => {
  const n = await issue({ severity: 'low' });
  const schedule = n.reminderSchedule!;
  expect(schedule).toBeDefined();
  const rectify = schedule.filter((r) => r.deadline === 'rectify');
  expect(rectify).toHaveLength(1);
  const at = new Date(rectify[0].at);
  const beijing = new Date(at.getTime() + 8 * 3600000);
  const minutes = beijing.getUTCHours() * 60 + beijing.getUTCMinutes();
  expect(minutes).toBeGreaterThanOrEqual(9 * 60);
  expect(minutes).toBeLessThan(9 * 60 + 30);
  expect(createPrcCalendar().isWorkingDay(localDate(at))).toBe(true);
  expect(at.getTime()).toBeLessThan(Date.parse(n.rectifyBy.at));
  await s.as(OFFICE).post(`/api/notices/${n.id}/withdraw`, { reason: '测试结束' });
});
