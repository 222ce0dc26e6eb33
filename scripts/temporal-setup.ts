/**
 * `npm run temporal:setup`: registers cyberduty's search attributes on TEMPORAL_NAMESPACE of an
 * existing cluster (the dev server started by `npm start` registers them itself). Idempotent.
 */
import { Connection } from '@temporalio/client';
import { loadEnvOrExit } from '../config/env';
import { ensureSearchAttributes } from '../worker/temporal';
import { temporalConnectionOptions } from '../app/temporal-connection';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const connection = await Connection.connect(temporalConnectionOptions(env));
  const added = await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
  console.log(added.length === 0 ? 'search attributes already registered' : `registered: ${added.join(', ')}`);
  await connection.close();
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
