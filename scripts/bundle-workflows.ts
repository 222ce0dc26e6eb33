/**
 * `npm run bundle:workflows -- <file>`: bundles the workflow code once (what a worker otherwise does
 * at every start, which takes seconds and memory), for WORKFLOW_BUNDLE. The container image runs it
 * at build time, so every worker of one image runs exactly the same workflow code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`workflow bundle written: ${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(`bundling failed: ${(err as Error).message}`);
  process.exit(1);
});
