/**
 * PGlite's share of a process's memory, for the memory benchmark (run as a child with
 * bench/memory-probe.ts preloaded): opens the embedded database as `npm start` does (files under a
 * directory), migrates it, loads the demo organisation, then adds `PGLITE_NOTICES` notices with
 * ten timeline events each (bench/lib.ts generateNotices), and asks its parent to measure after each step.
 * The parent reads the differences; the process holds nothing else (no worker, no API).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../db/client';
import { migrate } from '../db/migrate';
import { importOrg, loadOrgFile } from '../db/org';
import { generateNotices } from './lib';

/** Tells the parent a step is done and waits until it has measured. */
function step(name: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: { measured?: string }) => {
      if (m.measured !== name) return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send?.({ step: name });
  });
}

async function main(): Promise<void> {
  const n = Number(process.env.PGLITE_NOTICES ?? '1000');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-bench-pglite-'));
  try {
    await step('started');
    const db = await openDb({ pgliteDir: path.join(dir, 'pglite') });
    await migrate(db);
    await step('opened');
    await importOrg(db, loadOrgFile(path.join(__dirname, '..', 'config', 'demo-org.yaml')), { source: 'bench' });
    await step('organisation');
    await generateNotices(db, n, 10);
    await step('notices');
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
