/**
 * How an update call that did not come back is answered (api/updates.ts): our own deadline
 * (DEADLINE_EXCEEDED) and the SDK's "timed out or cancelled" error, whatever its cause (a CANCELLED
 * from a loaded server), are both the 503 that says the action may or may not have been taken —
 * never a 500. Anything else is the caller's to map. The client is a stand-in that only runs the
 * call: what is tested is the mapping, on the SDK's own error classes.
 */
import { WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { HttpError } from '../../api/errors';
import { withUpdateDeadline } from '../../api/updates';

const deps = { temporal: { withDeadline: (_d: number, fn: () => Promise<unknown>) => fn() } as unknown as Client, updateTimeoutMs: 1000 };
// gRPC status codes: 1 CANCELLED, 3 INVALID_ARGUMENT, 4 DEADLINE_EXCEEDED.
const CANCELLED = 1;
const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const grpcError = (code: number) => Object.assign(new Error(`grpc ${code}`), { code, details: `grpc ${code}` });

async function answered(err: Error): Promise<unknown> {
  return withUpdateDeadline(deps, () => Promise.reject(err)).then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

test.each([
  ['our deadline', grpcError(DEADLINE_EXCEEDED)],
  ['the SDK: timed out', new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: grpcError(DEADLINE_EXCEEDED) })],
  ['the SDK: cancelled by the server', new WorkflowUpdateRPCTimeoutOrCancelledError('cancelled', { cause: grpcError(CANCELLED) })],
])('%s → 503, "refresh to see whether it was taken"', async (_name, err) => {
  const e = await answered(err);
  expect(e).toBeInstanceOf(HttpError);
  expect((e as HttpError).status).toBe(503);
  expect((e as HttpError).message).toContain('流程处理暂时无响应');
});

test('any other error is passed on unchanged', async () => {
  const other = grpcError(INVALID_ARGUMENT);
  expect(await answered(other)).toBe(other);
  expect(await withUpdateDeadline(deps, () => Promise.resolve(7))).toBe(7);
});
