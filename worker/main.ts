/**
 * `npm run worker`: the Temporal worker alone, for production. Connects to TEMPORAL_ADDRESS /
 * TEMPORAL_NAMESPACE and DATABASE_URL; starts nothing else.
 */
import { loadEnvOrExit } from '../config/env';
import { createLogger, installTemporalRuntime, loadOrganisation, loadRules, onShutdown, openDatabase, runWorker, waitForTemporal } from '../app/system';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const log = createLogger(env);
  installTemporalRuntime(log);
  if (!env.DATABASE_URL) log.warn('DATABASE_URL is not set: using the embedded PGlite, which only one process may open');
  const db = await openDatabase(env, log);
  await loadOrganisation(db, env, log, { demoWhenEmpty: false });
  await waitForTemporal(env, log);
  const worker = await runWorker(env, db, loadRules(env, log), log);
  onShutdown(log, async () => {
    await worker.stop();
    await db.close();
  });
}

main().catch((err: unknown) => {
  console.error(`worker failed to start: ${(err as Error).message}`);
  process.exit(1);
});
