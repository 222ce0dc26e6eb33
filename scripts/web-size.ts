/**
 * `npm run web:size`: what the browser downloads on first load of /signin and of My work (/), and
 * of each other screen — JavaScript and CSS, raw and gzip-compressed — from Vite's manifest of the
 * current build (built first when stale). The target: first load of /signin and My work under 250 KB
 * compressed.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ensureWebBuild, WEB_DIST } from './web-build';

interface Chunk { file: string; css?: string[]; imports?: string[]; isEntry?: boolean; src?: string }

const TARGET_KB = 250;

function load(entryKeys: string[], manifest: Record<string, Chunk>): string[] {
  const files = new Set<string>();
  const visit = (key: string) => {
    const c = manifest[key];
    if (!c || files.has(c.file)) return;
    files.add(c.file);
    for (const css of c.css ?? []) files.add(css);
    for (const i of c.imports ?? []) visit(i);
  };
  entryKeys.forEach(visit);
  return [...files];
}

function sizes(files: string[]): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const buf = fs.readFileSync(path.join(WEB_DIST, f));
    raw += buf.length;
    gzip += zlib.gzipSync(buf, { level: 9 }).length;
  }
  return { raw, gzip };
}

export function measure(): Array<{ screen: string; raw: number; gzip: number }> {
  ensureWebBuild({ log: (l) => console.log(l) });
  const manifest = JSON.parse(fs.readFileSync(path.join(WEB_DIST, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>;
  const entry = Object.keys(manifest).find((k) => manifest[k].isEntry)!;
  return Object.keys(manifest)
    .filter((k) => /^src\/screens\/.+\.vue$/.test(k))
    .map((k) => ({ screen: k.replace(/^src\/screens\//, ''), ...sizes(load([entry, k], manifest)) }))
    .sort((a, b) => a.screen.localeCompare(b.screen));
}

if (require.main === module) {
  const rows = measure();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log('first load (entry + screen, JS + CSS)   raw        gzip');
  let failed = false;
  for (const r of rows) {
    const first = /^(signin\/SignIn|work\/MyWork)\.vue$/.test(r.screen);
    if (first && r.gzip > TARGET_KB * 1024) failed = true;
    console.log(`${r.screen.padEnd(38)} ${kb(r.raw).padStart(9)}  ${kb(r.gzip).padStart(9)}${first ? `  (target < ${TARGET_KB} KB)` : ''}`);
  }
  if (failed) {
    console.error(`/signin or My work is over ${TARGET_KB} KB compressed`);
    process.exit(1);
  }
}
