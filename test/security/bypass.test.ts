/**
 * A call that goes around the API — straight to Temporal — is refused by the workflow's update
 * validators, which check the same access table with the roles the API would have passed.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { acknowledgeUpdate, noticeWorkflowId, withdrawUpdate } from '../../workflows/definitions';
import { proposalApproveUpdate, proposalEditUpdate, proposalRequestApprovalUpdate, proposalWorkflowId } from '../../workflows/proposal-definitions';
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

test('a proposal update sent around the API is refused unless the roles it carries allow it, whatever capacity it declares', async () => {
  const created = await s.as('p-chen-jing').post('/api/accountability-proposals', {
    unitId: 'cs',
    trigger: 'outage_6h',
    facts: '绕过接口修改问责建议',
    factsAt: new Date().toISOString(),
    partiesConcerned: ['p-ma-jun'],
  });
  expect(created.status).toBe(201);
  const h = s.client.workflow.getHandle(proposalWorkflowId(created.body.id as string));
  const edit = { facts: '被篡改的事实' };
  // Declares the office's capacity, carries no roles.
  expect(await refusal(h.executeUpdate(proposalEditUpdate, { args: [{ actor: { id: 'p-li-na', name: '李娜', capacity: 'office' }, edit }] }))).toBe('forbidden');
  // Declares the office's capacity, carries a liaison's roles.
  const liaison = { university: [], units: [{ unitId: 'cs', role: 'liaison' as const }] };
  expect(
    await refusal(h.executeUpdate(proposalEditUpdate, { args: [{ actor: { id: 'p-li-na', name: '李娜', capacity: 'office', roles: liaison }, edit }] })),
  ).toBe('forbidden');
  // The office asks for approval; a party committee member declaring the leader's capacity cannot approve.
  const office = { university: ['office' as const], units: [] };
  await h.executeUpdate(proposalEditUpdate, {
    args: [{ actor: { id: 'p-chen-jing', name: '陈静', capacity: 'office', roles: office }, edit: { individuals: [{ personId: 'p-ma-jun', measure: 'criticism_education', reason: '未及时处置' }] } }],
  });
  await h.executeUpdate(proposalRequestApprovalUpdate, { args: [{ actor: { id: 'p-chen-jing', name: '陈静', capacity: 'office', roles: office } }] });
  const committee = { university: ['party_committee' as const], units: [] };
  expect(
    await refusal(h.executeUpdate(proposalApproveUpdate, { args: [{ actor: { id: 'p-liu-chang', name: '刘畅', capacity: 'cybersecurity_leader', roles: committee } }] })),
  ).toBe('forbidden');
  // Nothing changed but what the office did.
  const after = (await s.as('p-chen-jing').get(`/api/accountability-proposals/${created.body.id as string}`)).body;
  expect(after.facts).toBe('绕过接口修改问责建议');
  expect(after.status).toBe('awaiting_approval');
});
