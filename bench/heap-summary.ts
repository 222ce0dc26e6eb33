/**
 * `node --max-old-space-size=4096 -r @swc-node/register bench/heap-summary.ts <file.heapsnapshot> [top]`:
 * what a V8 heap snapshot (from `npm run bench:memory -- --snapshot`) holds — the self size of its
 * objects summed by kind and constructor name (as DevTools' "Summary" view, without retained
 * sizes), the largest first; strings and code by kind. For the README's "what holds the memory".
 */
import fs from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: heap-summary.ts <file.heapsnapshot> [top]');
  const top = Number(topArg ?? 20);
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    const size = snap.nodes[i + iSize];
    total += size;
    // Objects by constructor; strings, code, arrays and the rest by kind alone.
    const key = type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + iName]]}` : `(${type})`;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += size;
    groups.set(key, g);
  }
  console.log(`${file}: ${(total / 2 ** 20).toFixed(1)} MB in ${snap.snapshot.node_count} objects`);
  for (const [key, g] of [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
    console.log(`  ${(g.bytes / 2 ** 20).toFixed(1).padStart(7)} MB  ${((100 * g.bytes) / total).toFixed(1).padStart(5)} %  ${String(g.count).padStart(9)} × ${key}`);
  }
}

main();
