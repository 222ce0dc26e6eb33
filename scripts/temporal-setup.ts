/**
 * `npm run temporal:setup`: registers cyberduty's search attributes on TEMPORAL_NAMESPACE of an
 * existing cluster (the dev server started by `npm start` registers them itself). Idempotent.
 */
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadEnvOrExit } from '../config/env';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { temporalConnectionOptions } from '../app/temporal-connection';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const connection = await Connection.connect(temporalConnectionOptions(env));
  const types = temporal.api.enums.v1.IndexedValueType;
  const existing = await connection.operatorService.listSearchAttributes({ namespace: env.TEMPORAL_NAMESPACE });
  const missing = SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) {
    console.log('search attributes already registered');
  } else {
    await connection.operatorService.addSearchAttributes({
      namespace: env.TEMPORAL_NAMESPACE,
      searchAttributes: Object.fromEntries(
        missing.map((k) => [k.name, k.type === 'INT' ? types.INDEXED_VALUE_TYPE_INT : types.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    console.log(`registered: ${missing.map((k) => k.name).join(', ')}`);
  }
  await connection.close();
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
