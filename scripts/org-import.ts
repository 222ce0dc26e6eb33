/**
 * `npm run org:import -- <file>`: imports an organisation file (JSON or YAML) into DATABASE_URL (or
 * the embedded database, when the system is stopped). Changed assignments are closed and opened with
 * dates; history is kept.
 */
import path from 'node:path';
import { loadEnvOrExit } from '../config/env';
import { openDatabase, createLogger } from '../app/system';
import { importOrg, loadOrgFile } from '../db/org';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const file = process.argv[2] ?? env.ORG_FILE;
  if (!file) {
    console.error('用法 / usage: npm run org:import -- <org.yaml|org.json>');
    process.exit(2);
  }
  const log = createLogger(env);
  const db = await openDatabase(env, log);
  try {
    const summary = await importOrg(db, loadOrgFile(file), { source: path.basename(file) });
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
