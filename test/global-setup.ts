/**
 * Once per test run: a real Temporal dev server (the CLI, found or built by the same resolver as
 * `npm start`) and one workflow bundle that every test worker reuses.
 *
 * With TEMPORAL_TEST_ADDRESS set (e.g. the Temporal server on PostgreSQL from
 * `npm run temporal:pg`), the tests run against that server instead, in its `default` namespace:
 * no dev server is started, the search attributes are registered if missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freePort, resolveTemporalCli, startDevServer, type DevServer } from '../scripts/temporal-cli';
import { devServerSearchAttributeArgs } from '../workflows/search-attributes';
import { ensureSearchAttributes, waitForNamespace } from '../worker/temporal';
import { ensureWebBuild } from '../scripts/web-build';

declare global {
  var __TEMPORAL_DEV_SERVER__: DevServer | undefined;
  var __TEMPORAL_TEST_DIR__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const given = process.env.TEMPORAL_TEST_ADDRESS;
  if (given) {
    await waitForNamespace(given, 'default');
    const connection = await Connection.connect({ address: given });
    try {
      const added = await ensureSearchAttributes(connection, 'default');
      if (added.length) console.log(`[test] registered search attributes on ${given}: ${added.join(', ')}`);
    } finally {
      await connection.close();
    }
    console.log(`[test] using the Temporal server at ${given} (TEMPORAL_TEST_ADDRESS)`);
  } else {
    await startTestDevServer();
  }
  // The web UI the app serves (test/web drives it): built once per run, only when stale.
  ensureWebBuild({ log: (l) => console.log(l) });
  await bundleOnce();
}

async function startTestDevServer(): Promise<void> {
  const cli = await resolveTemporalCli((l) => console.log(l));
  if (!cli) {
    throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or install Go so it can be built.');
  }
  const port = await freePort();
  const server = await startDevServer({ cliPath: cli, port, extraArgs: devServerSearchAttributeArgs() });
  await waitForNamespace(server.address, 'default');
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  // Inherited by the jest worker processes, which start after this.
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
}

async function bundleOnce(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-test-'));
  globalThis.__TEMPORAL_TEST_DIR__ = dir;
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: [require.resolve('../workflows/interceptors')],
    logger: { info: () => undefined, warn: console.warn, error: console.error, debug: () => undefined, trace: () => undefined, log: () => undefined },
  });
  const codePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(codePath, bundle.code);

  process.env.TEMPORAL_TEST_BUNDLE = codePath;
}
