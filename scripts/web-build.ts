/**
 * Builds the web UI (web/src → web/dist with Vite) when the build is missing or stale, so that
 * `npm start` and the test run (jest globalSetup) always serve what web/ holds. Stale means: the
 * digest of web/'s sources, the Vite config, the domain files the UI imports and the lock file
 * differs from the one recorded in web/dist/.build.json. The build runs in a child process (Vite is
 * ESM and memory-hungry) into a temporary folder that replaces dist/ at the end, so a server never
 * serves half a build. `npm run web:build` forces one.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
export const WEB_DIR = path.join(ROOT, 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');
// A dot file: express.static does not serve it.
const STAMP = '.build.json';

/** Files whose content decides the build. */
function inputs(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'dist' || e.name.startsWith('.dist-') || e.name === 'node_modules') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(WEB_DIR);
  // The UI imports the regulation's labels and the time formatter from domain/.
  out.push(path.join(ROOT, 'domain', 'glossary.ts'), path.join(ROOT, 'domain', 'time.ts'));
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(lock)) out.push(lock);
  return out.sort();
}

export function sourceDigest(): string {
  const h = crypto.createHash('sha256');
  for (const f of inputs()) {
    h.update(path.relative(ROOT, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

export interface BuildStamp {
  digest: string;
  builtAt: string;
  ms: number;
}

export function readStamp(dist = WEB_DIST): BuildStamp | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dist, STAMP), 'utf8')) as BuildStamp;
  } catch {
    return null;
  }
}

export type BuildResult = { built: false; stamp: BuildStamp } | { built: true; reason: string; stamp: BuildStamp };

/** Builds unless web/dist matches the sources; `force` always builds. Throws when Vite fails. */
export function ensureWebBuild(opts: { force?: boolean; log?: (line: string) => void } = {}): BuildResult {
  const log = opts.log ?? (() => undefined);
  const digest = sourceDigest();
  const stamp = readStamp();
  if (!opts.force && stamp?.digest === digest && fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    return { built: false, stamp };
  }
  const reason = opts.force ? 'forced' : stamp ? 'sources changed' : 'no build yet';
  log(`网页界面构建中 / building the web UI (${reason}) into ${path.relative(process.cwd(), WEB_DIST) || WEB_DIST} …`);
  const started = Date.now();
  const tmp = path.join(WEB_DIR, `.dist-${process.pid}-${Date.now()}`);
  const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--config', path.join(WEB_DIR, 'vite.config.mjs'), '--outDir', tmp, '--emptyOutDir'], {
    cwd: WEB_DIR,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (run.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`The web UI build failed (vite exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  const built: BuildStamp = { digest, builtAt: new Date().toISOString(), ms: Date.now() - started };
  fs.writeFileSync(path.join(tmp, STAMP), JSON.stringify(built, null, 2));
  fs.rmSync(WEB_DIST, { recursive: true, force: true });
  fs.renameSync(tmp, WEB_DIST);
  log(`网页界面已构建 / web UI built in ${(built.ms / 1000).toFixed(1)} s`);
  return { built: true, reason, stamp: built };
}

if (require.main === module) {
  const force = process.argv.includes('--force');
  const r = ensureWebBuild({ force, log: (l) => console.log(l) });
  if (!r.built) console.log(`网页界面已是最新 / web UI up to date (built ${r.stamp.builtAt} in ${(r.stamp.ms / 1000).toFixed(1)} s)`);
}
