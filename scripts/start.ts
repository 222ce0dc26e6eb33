/**
 * `npm start`: everything on embedded defaults in one command — a Temporal dev server persisting
 * under DATA_DIR (with its Web UI), the database (PGlite under DATA_DIR unless DATABASE_URL names a
 * PostgreSQL), migrations, the demo organisation on an empty database, the worker and the API.
 * PGlite allows one process, so worker and API share this one. Ctrl-C stops all of it; starting
 * again continues where it stopped, timers included.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadEnvOrExit } from '../config/env';
import { devServerSearchAttributeArgs } from '../workflows/search-attributes';
import { resolveTemporalCli, startDevServer, type DevServer } from './temporal-cli';
import { ensureWebBuild } from './web-build';
import {
  createLogger,
  installTemporalRuntime,
  loadOrganisation,
  loadRules,
  onShutdown,
  openDatabase,
  runApi,
  runWorker,
  waitForTemporal,
} from '../app/system';

async function startTemporal(env: ReturnType<typeof loadEnvOrExit>, log: ReturnType<typeof createLogger>): Promise<{ stop(): Promise<void>; uiUrl?: string }> {
  const port = Number(env.TEMPORAL_ADDRESS.split(':').pop());
  const dbFilename = path.join(env.DATA_DIR, 'temporal.db');
  const cli = await resolveTemporalCli((line) => log.info(line));
  if (cli) {
    log.info({ cli, dbFilename }, 'starting the Temporal dev server');
    const server: DevServer = await startDevServer({
      cliPath: cli,
      port,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFilename,
      namespace: env.TEMPORAL_NAMESPACE,
      extraArgs: devServerSearchAttributeArgs(),
      log: (line) => log.info(line),
    });
    return server;
  }
  // No CLI and no Go: the SDK downloads a dev server (needs internet).
  log.warn('No Temporal CLI or Go toolchain found: downloading the dev server through the Temporal SDK (needs internet)…');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const envT = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFilename,
      namespace: env.TEMPORAL_NAMESPACE,
      extraArgs: devServerSearchAttributeArgs(),
    },
  });
  return { stop: () => envT.teardown(), uiUrl: `http://127.0.0.1:${env.TEMPORAL_UI_PORT}` };
}

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const log = createLogger(env);
  installTemporalRuntime(log, env);
  fs.mkdirSync(env.DATA_DIR, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  onShutdown(log, stopAll);
  try {
    // The database first: it takes the lock on DATA_DIR that keeps a second `npm start` out.
    const db = await openDatabase(env, log);
    stops.push(() => db.close());
    // The web UI's static files (web/dist), built here when missing or older than web/'s sources.
    ensureWebBuild({ log: (line) => log.info(line) });
    const temporal = await startTemporal(env, log);
    stops.push(() => temporal.stop());
    await waitForTemporal(env, log);
    await loadOrganisation(db, env, log, { demoWhenEmpty: true });
    const rules = loadRules(env, log);
    const worker = await runWorker(env, db, rules, log);
    stops.push(() => worker.stop());
    const api = await runApi(env, db, rules, log);
    stops.push(() => api.stop());
    // For the person at the terminal: plain text, not a JSON log line.
    process.stdout.write(
      `${[
        '',
        '网络安全工作责任制系统已启动 / cyberduty is running',
        `  网页 Web UI:      http://${env.HOST}:${env.PORT}/`,
        `  API:              http://${env.HOST}:${env.PORT}/api   (health: /healthz)`,
        `  Temporal Web UI:  ${temporal.uiUrl ?? '(external)'}`,
        `  数据目录 Data:    ${env.DATA_DIR}`,
        '  获取令牌 Token:   npm run -s token -- p-chen-jing   (领导小组办公室 / office)',
        '                    npm run -s token -- p-li-na       (计算机学院联络员 / CS liaison)',
        '  Ctrl-C 停止 / to stop',
      ].join('\n')}\n`,
    );
  } catch (err) {
    log.error({ err }, `启动失败 / failed to start: ${(err as Error).message}`);
    await stopAll().catch(() => undefined);
    process.exit(1);
  }
}

void main();
