/**
 * Keeps the layering true: every import between the source folders points down the declared layer
 * order, folders on one layer do not import each other, no files import each other in a cycle, and
 * the SQL stays in db/ (activities are adapters).
 * It reads the import graph with TypeScript's own pre-processor (type-only imports count too: a type
 * imported from above still couples a file to the layer it should not know).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Lowest first. A folder may import its own layer's files (same folder) and any folder of a lower
 * layer; folders listed together are peers and must not import each other.
 */
export const LAYERS: string[][] = [
  ['domain'], // the regulation's words and rules; pure, imports nothing of the project's
  ['config'], // environment and files read at start
  ['db'], // rows: reads and writes
  ['notifications'], // outbox, rendering, channels
  ['activities'], // thin adapters from workflows to db and notifications
  ['workflows'], // orchestration; deterministic
  ['worker', 'api'], // the two processes' parts
  ['app'], // the composition root: wires the system
  ['scripts'], // command-line tools
  ['bench'], // benchmarks: start servers with the scripts' launchers (scripts/temporal-cli.ts)
];

/** Entry points (`api/main.ts`, `worker/main.ts`) only call the composition root: they sit on top. */
const isEntryPoint = (file: string) => path.posix.basename(file) === 'main.ts';
const TOP = LAYERS.length;

const layerOf = new Map<string, number>(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined; // a package
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    const abs = path.join(ROOT, candidate);
    if (fs.existsSync(abs) && fs.statSync(abs).isFile()) return candidate;
  }
  return base; // a non-TS file (JSON, YAML…): still an edge for the layer check
}

const files = LAYERS.flat().filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap((d) => sourceFiles(d));
const graph = new Map<string, string[]>(
  files.map((f) => {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, f), 'utf8'), true, true);
    const deps = info.importedFiles.map((i) => resolve(f, i.fileName)).filter((d): d is string => d !== undefined);
    return [f, [...new Set(deps)]];
  }),
);

const folderOf = (file: string) => file.split('/')[0];

describe('import graph of the source folders', () => {
  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get('workflows/notice.ts')?.length).toBeGreaterThan(0);
  });

  it('points only down the layer order (peers do not import each other)', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      const from = folderOf(file);
      for (const dep of deps) {
        const to = folderOf(dep);
        if (to === from) continue;
        const toLayer = layerOf.get(to);
        if (toLayer === undefined) {
          // Outside the source folders (test support): only the command-line tools may reach there.
          if (!['scripts', 'bench'].includes(from)) upward.push(`${file} → ${dep} (outside the source folders)`);
          continue;
        }
        const fromLayer = isEntryPoint(file) ? TOP : layerOf.get(from)!;
        if (toLayer >= fromLayer) upward.push(`${file} → ${dep}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps SQL in db/: activities are adapters and write no rows themselves', () => {
    const withSql = files
      .filter((f) => folderOf(f) === 'activities')
      .filter((f) => /\.query\s*(<[^>]*>)?\s*\(|\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|SELECT\s+[\s\S]{0,200}?\bFROM)\b/i.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(withSql).toEqual([]);
  });

  it('has no cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (!graph.has(d)) continue;
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].join(' → '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
