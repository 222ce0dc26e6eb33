/**
 * A worker process for the bare baselines (bench/baseline-workflows.ts): the same SDK, runtime and
 * tuning as `npm run worker` (TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, WORKER_MAX_* from the
 * environment), but no database, no notifications and a bundle of a few lines — what the memory
 * benchmark measures cyberduty's worker against. BARE_BUNDLE: the bundle file (bench/lib.ts
 * `bundle`). Logs one JSON line `worker running` when it polls.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadEnvOrExit } from '../config/env';
import { createLogger, installTemporalRuntime, onShutdown, workerTuning } from '../app/system';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const log = createLogger(env);
  installTemporalRuntime(log, env);
  const codePath = process.env.BARE_BUNDLE;
  if (!codePath) throw new Error('BARE_BUNDLE is not set');
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    workflowBundle: { codePath },
    activities: { noop: () => Promise.resolve(), fired: () => Promise.resolve(0) },
    ...workerTuning(env),
  });
  const running = worker.run();
  log.info({ taskQueue: env.TEMPORAL_TASK_QUEUE, tuning: workerTuning(env) }, 'worker running');
  onShutdown(log, async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });
}

main().catch((err: unknown) => {
  console.error(`bare worker failed: ${(err as Error).message}`);
  process.exit(1);
});
