/**
 * A call that goes around the API — straight to Temporal — is refused by the workflow's update
 * validators, which check the same access table with the roles the API would have passed.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { acknowledgeUpdate, noticeWorkflowId, withdrawUpdate } from '../../workflows/definitions';
import { startStack, type Stack } from '../support/stack';

let s: Stack;
let id: string;
beforeAll(async () => {
  s = await startStack();
  const res = await s.as('p-chen-jing').post('/api/notices', {
    unitId: 'cs',
    title: '绕过接口测试',
    category: 'other',
    severity: 'low',
    description: '直接调用 Temporal 的更新应被拒绝',
  });
  expect(res.status).toBe(201);
  id = res.body.id;
});
afterAll(async () => {
  await s?.shutdown();
});

async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return ((err as WorkflowUpdateFailedError).cause as { type?: string }).type;
  }
}

test('an update without roles, or with another unit\'s roles, is refused; with the right ones it passes', async () => {
  const h = s.client.workflow.getHandle(noticeWorkflowId(id));
  // Claims the unit capacity but carries no roles.
  expect(await refusal(h.executeUpdate(acknowledgeUpdate, { args: [{ actor: { id: 'p-li-na', name: '李娜', capacity: 'unit' } }] }))).toBe('forbidden');
  // Roles of another unit's liaison.
  const ito = { university: [], units: [{ unitId: 'ito', role: 'liaison' as const }] };
  expect(
    await refusal(h.executeUpdate(acknowledgeUpdate, { args: [{ actor: { id: 'p-wu-lei', name: '吴磊', capacity: 'unit', roles: ito } }] })),
  ).toBe('forbidden');
  // A unit liaison posing as the office to withdraw.
  const cs = { university: [], units: [{ unitId: 'cs', role: 'liaison' as const }] };
  expect(
    await refusal(h.executeUpdate(withdrawUpdate, { args: [{ actor: { id: 'p-li-na', name: '李娜', capacity: 'office', roles: cs }, reason: 'x' }] })),
  ).toBe('forbidden');
  // Nothing changed.
  expect((await s.as('p-chen-jing').get(`/api/notices/${id}`)).body.status).toBe('issued');
  // The right roles pass.
  const state = await h.executeUpdate(acknowledgeUpdate, { args: [{ actor: { id: 'p-li-na', name: '李娜', capacity: 'unit', roles: cs } }] });
  expect(state.status).toBe('rectifying');
});
