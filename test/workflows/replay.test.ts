/**
 * Running notices keep replaying: histories recorded from the workflow code before a change
 * (test/workflows/histories/, written by record-histories.test.ts) replay on today's bundle
 * without a nondeterminism error — same activities, timers and child workflows, in the same order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

const DIR = path.join(__dirname, 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('there are recorded histories', () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

test.each(files)('%s replays on the current workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEMPORAL_TEST_BUNDLE! } }, history, `replay-${file}`);
});
