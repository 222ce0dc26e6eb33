/**
 * The bare baselines the workflow benchmarks measure cyberduty against, on the same server in the
 * same run (bundled by bench/lib.ts; workflow code, deterministic):
 * - bareWorkflow: one no-op activity (notice throughput's baseline);
 * - bareTimerWorkflow: a timer due at a given instant, then one no-op activity that records when
 *   it ran (timer precision's baseline);
 * - bareUpdateWorkflow: an update whose handler runs one no-op activity (human action latency's
 *   baseline), and a query of how many updates it took (worker memory's baseline: an open bare
 *   workflow), open until cancelled.
 */
import { condition, defineQuery, defineUpdate, proxyActivities, setHandler, sleep } from '@temporalio/workflow';

export interface BareActivities {
  noop(): Promise<void>;
  /** Records that the timer due at `dueMs` was acted on now; returns the lateness in ms. */
  fired(key: string, dueMs: number): Promise<number>;
}

const acts = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

export async function bareWorkflow(): Promise<void> {
  await acts.noop();
}

export async function bareTimerWorkflow(key: string, dueMs: number): Promise<void> {
  const wait = dueMs - Date.now();
  if (wait > 0) await sleep(wait);
  await acts.fired(key, dueMs);
}

export const bareUpdate = defineUpdate<number, [number]>('bare');
export const bareCount = defineQuery<number>('bareCount');

export async function bareUpdateWorkflow(): Promise<void> {
  let updates = 0;
  setHandler(bareUpdate, async (n: number) => {
    await acts.noop();
    updates++;
    return n;
  });
  setHandler(bareCount, () => updates);
  await condition(() => false);
}
