/**
 * `npm run api`: the HTTP API alone, for production. Connects to TEMPORAL_ADDRESS /
 * TEMPORAL_NAMESPACE and DATABASE_URL; starts nothing else.
 */
import { loadEnvOrExit } from '../config/env';
import { createLogger, installTemporalRuntime, loadRules, onShutdown, openDatabase, runApi, waitForTemporal } from '../app/system';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const log = createLogger(env);
  installTemporalRuntime(log);
  if (!env.DATABASE_URL) log.warn('DATABASE_URL is not set: using the embedded PGlite, which only one process may open');
  const db = await openDatabase(env, log);
  const rules = loadRules(env, log);
  await waitForTemporal(env, log);
  const api = await runApi(env, db, rules, log);
  onShutdown(log, async () => {
    await api.stop();
    await db.close();
  });
}

main().catch((err: unknown) => {
  console.error(`API failed to start: ${(err as Error).message}`);
  process.exit(1);
});
