/**
 * The first `npm start` builds the Temporal CLI: the build must not block the process, so its
 * progress lines actually appear, and it says beforehand how long it usually takes. A stand-in for
 * `go` (a script that takes a moment and writes the binary where `go install` would) keeps this
 * test fast; the real build is measured in the README.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalCli } from '../../scripts/temporal-cli';

let dir: string;
const saved = { ...process.env };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-cli-build-'));
  const go = path.join(dir, 'go');
  fs.writeFileSync(go, `#!/bin/sh\nsleep 1.5\nprintf '#!/bin/sh\\necho temporal\\n' > "$GOBIN/temporal"\nchmod +x "$GOBIN/temporal"\n`, { mode: 0o755 });
  process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  process.env.GO = go;
  process.env.PATH = '/usr/bin:/bin';
  delete process.env.TEMPORAL_CLI_PATH;
});

afterAll(() => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

const binary = () => path.join(dir, 'cache', 'cyberduty', 'temporal-cli-1.5.1', 'temporal');

test('the build runs beside the event loop and says first how long it usually takes', async () => {
  const lines: string[] = [];
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 100);
  try {
    expect(await resolveTemporalCli((line) => lines.push(line))).toBe(binary());
  } finally {
    clearInterval(ticker);
  }
  // The process kept running while Go worked (a synchronous spawn froze it for the whole build,
  // so the 30-second progress timer could never fire).
  expect(ticks).toBeGreaterThanOrEqual(8);
  expect(lines.findIndex((l) => l.includes('usually takes'))).toBe(1);
  expect(lines.at(-1)).toMatch(/built in \d+ s/);
});

test('progress lines appear while it builds, and a later build says how long the last one took', async () => {
  fs.rmSync(binary());
  const lines: string[] = [];
  expect(await resolveTemporalCli({ log: (line) => lines.push(line), progressEveryMs: 300 })).toBe(binary());
  expect(lines.filter((l) => l.includes('still building')).length).toBeGreaterThanOrEqual(3);
  expect(lines.some((l) => /the last build on this machine took \d+ s/.test(l))).toBe(true);
});
