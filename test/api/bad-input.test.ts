/**
 * Issue 11: text PostgreSQL cannot store (NUL, unpaired surrogates) or that has no place in a title
 * (control characters) is refused at the edge with a 400 naming the field — before a number is
 * allocated or a workflow starts — instead of a 503 and a workflow retrying its first record forever.
 */
import { startStack, type Stack } from '../support/stack';
import { call, LIAISON, noticeBody, OFFICE, proposalBody, targets } from '../support/targets';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { NoticeInput, NoticeState } from '../../domain/notice';
import { stateQuery, withdrawUpdate } from '../../workflows/definitions';
import type { ProposalInput, ProposalState } from '../../domain/accountability';
import { runningWithFailingActivity, writtenRows } from '../support/failing';

let s: Stack;

beforeAll(async () => {
  s = await startStack();
}, 120000);

afterAll(async () => {
  await s?.shutdown();
});

const BAD_TITLES: Array<[string, string]> = [
  ['NUL', '门户网站\u0000存在漏洞'],
  ['a lone surrogate', '门户网站\ud800存在漏洞'],
  ['a control character', '门户网站\u001b[31m存在漏洞'],
  ['a line break', '门户网站\n存在漏洞'],
];

describe('a notice with text the database cannot store is refused at the edge', () => {
  test.each(BAD_TITLES)('title with %s: 400 naming the field, nothing started, nothing written', async (_what, title) => {
    const before = await writtenRows(s);
    const res = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs', { title }), headers: { 'Idempotency-Key': `bad-title-${Date.now()}` } });
    const failing = await runningWithFailingActivity(s);
    expect({ status: res.status, fields: (res.body.details ?? []).map((d: { path: string }) => d.path), failing }).toEqual({ status: 400, fields: ['title'], failing: [] });
    expect(res.body.error).toMatch(/title/);
    expect(await writtenRows(s)).toEqual(before);
  }, 60000);

  test('free text keeps newlines and tabs; NUL in it is refused', async () => {
    const ok = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs', { description: '第一行\n\t第二行\r\n第三行' }) });
    expect(ok.status).toBe(201);
    expect(ok.body.description).toBe('第一行\n\t第二行\r\n第三行');
    const bad = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs', { description: '第一行\u0000' }) });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(['description']);
  });

  test('a proposal whose facts contain a lone surrogate: 400, no number allocated', async () => {
    const before = await writtenRows(s);
    const res = await call(s, 'POST', '/api/accountability-proposals', { as: OFFICE, body: proposalBody('cs', { facts: '事实\udc00经过' }) });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['facts']);
    expect(await runningWithFailingActivity(s)).toEqual([]);
    expect(await writtenRows(s)).toEqual(before);
  });
});

describe('defence in depth: a workflow started around the API with such text ends cleanly, recorded', () => {
  test('a notice workflow whose first record the database refuses ends as not_issued, in the office’s list', async () => {
    const made = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs') });
    expect(made.status).toBe(201);
    const st = made.body as NoticeState;
    const id = st.id.replace(/-(\d+)$/, '-9$1');
    const input: NoticeInput = {
      id,
      unitId: 'cs',
      title: '绕过接口\u0000的通知',
      category: st.category,
      severity: st.severity,
      description: '说明\ud800',
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
    const handle = await s.client.workflow.start('noticeWorkflow', { taskQueue: s.taskQueue, workflowId: `notice-${id}`, args: [input] });
    const final = (await handle.result()) as NoticeState;
    expect(final.status).toBe('not_issued');
    expect(final.notRecorded?.error).toMatch(/0x00|Unicode|json/i);
    // The office sees it, with the reason, among the notices not issued.
    const list = await call(s, 'GET', '/api/notices?status=not_issued', { as: OFFICE });
    expect(list.status).toBe(200);
    const row = (list.body.items as Array<{ id: string; status: string; title: string }>).find((n) => n.id === id);
    expect(row).toMatchObject({ status: 'not_issued', title: '绕过接口\ufffd的通知' });
    const one = await call(s, 'GET', `/api/notices/${id}`, { as: OFFICE });
    expect(one.body.notRecorded.zh).toMatch(/未能记录/);
    expect(one.body.timeline.map((e: { type: string }) => e.type)).toEqual(['not_issued']);
    expect(await runningWithFailingActivity(s)).toEqual([]);
  });

  test('a proposal workflow whose first record the database refuses ends as not_created', async () => {
    const made = await call(s, 'POST', '/api/accountability-proposals', { as: OFFICE, body: proposalBody('cs') });
    expect(made.status).toBe(201);
    const p = made.body as ProposalState;
    const id = `${p.id}X`;
    const input: ProposalInput = {
      id,
      unitId: 'cs',
      trigger: p.trigger,
      facts: '事实\u0000',
      factsAt: p.factsAt,
      noticeIds: [],
      evidence: [],
      origin: p.origin,
      attribution: p.attribution,
      createdAt: new Date().toISOString(),
      createdBy: { id: OFFICE, name: '陈静' },
      timing: p.timing,
    };
    const handle = await s.client.workflow.start('proposalWorkflow', { taskQueue: s.taskQueue, workflowId: `proposal-${id}`, args: [input] });
    const final = (await handle.result()) as ProposalState;
    expect(final.status).toBe('not_created');
    const list = await call(s, 'GET', '/api/accountability-proposals?status=not_created', { as: OFFICE });
    expect((list.body.items as Array<{ id: string }>).map((x) => x.id)).toContain(id);
  });
});

test('an update sent around the API with such text is refused by the workflow before it is accepted', async () => {
  const n = await targets(s).notice('issued');
  const handle = s.client.workflow.getHandle(`notice-${n.id}`);
  const office = { id: OFFICE, name: '陈静', capacity: 'office' as const, roles: { university: ['office' as const], units: [] } };
  const err = await handle.executeUpdate(withdrawUpdate, { args: [{ actor: office, reason: '重复\u0000下发' }] }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((err as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'invalid_input', message: expect.stringMatching(/reason.*U\+0000/) });
  const state = await handle.query(stateQuery);
  expect(state.status).toBe('issued');
  expect(await runningWithFailingActivity(s)).toEqual([]);
});

describe('times outside the policy’s plausible window are refused with 422 and the range', () => {
  const far = '9999-12-31T00:00:00Z';
  test('a deadline in the year 9999', async () => {
    const before = await writtenRows(s);
    const res = await call(s, 'POST', '/api/notices', { as: OFFICE, body: noticeBody('cs', { rectifyBy: far }) });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/rectifyBy.*limits\.maxDeadlineAhead = P365D/);
    expect(await writtenRows(s)).toEqual(before);
  });

  test('an extension, a new deadline on review and a leader’s extension far ahead', async () => {
    const t = targets(s);
    const n = await t.notice('rectifying');
    const ext = await call(s, 'POST', `/api/notices/${n.id}/extension-requests`, { as: LIAISON.cs, body: { until: far, reason: '等待' } });
    expect(ext.status).toBe(422);
    expect(ext.body.error).toMatch(/until/);
    const e = await t.escalation('cs');
    const dec = await call(s, 'POST', `/api/escalations/${e.id}/decision`, { as: e.assigneeId, body: { decision: 'extend', until: far, comment: '延期' } });
    expect(dec.status).toBe(422);
    expect(dec.body.error).toMatch(/maxDeadlineAhead/);
  });

  test('facts of a proposal from before the window', async () => {
    const res = await call(s, 'POST', '/api/accountability-proposals', { as: OFFICE, body: proposalBody('cs', { factsAt: '1990-01-01T00:00:00Z' }) });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/factsAt.*maxFactsAgo/);
  });
});
