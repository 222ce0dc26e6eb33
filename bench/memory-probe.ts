/**
 * Preloaded (`node -r @swc-node/register -r bench/memory-probe.ts <entry>`) into a process the
 * memory benchmark measures — the project's own `worker/main.ts`, unchanged — and answers its
 * parent over the IPC channel with what holds the process's memory:
 * - the whole process: RSS, and from /proc/self/status its anonymous and file-backed parts (the
 *   code of node and of the Temporal core's native library is file-backed);
 * - the main thread's V8 heap (`process.memoryUsage()`: heap used/total, external, array buffers —
 *   PGlite's WebAssembly memory is counted in array buffers);
 * - every worker thread's V8 heap: the Temporal SDK runs workflows in a worker thread of its own
 *   (one V8 context reused by every cached workflow), whose heap `process.memoryUsage()` of the
 *   main thread does not include. Read through the inspector's NodeWorker domain
 *   (`Runtime.getHeapUsage`), after a garbage collection in each thread when asked.
 * Heap snapshots of both on request (their file sizes; snapshots are large, so only on request).
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import v8 from 'node:v8';

interface ThreadSession {
  sessionId: string;
  title: string;
}

const session = new inspector.Session();
session.connect();
const threads = new Map<string, ThreadSession>();
let nextId = 1;
const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; chunks?: (c: string) => void }>();

session.on('NodeWorker.attachedToWorker', (m) => {
  const p = m.params as { sessionId: string; workerInfo: { title: string } };
  threads.set(p.sessionId, { sessionId: p.sessionId, title: p.workerInfo.title });
});
session.on('NodeWorker.detachedFromWorker', (m) => threads.delete(m.params.sessionId));
session.on('NodeWorker.receivedMessageFromWorker', (m) => {
  const msg = JSON.parse((m.params as { message: string }).message) as { id?: number; method?: string; params?: { chunk?: string }; result?: Record<string, unknown>; error?: { message: string } };
  if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') {
    for (const p of pending.values()) p.chunks?.(msg.params?.chunk ?? '');
    return;
  }
  if (msg.id === undefined) return;
  const p = pending.get(msg.id);
  if (!p) return;
  pending.delete(msg.id);
  if (msg.error) p.reject(new Error(msg.error.message));
  else p.resolve(msg.result ?? {});
});
session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });

/** A CDP command in one worker thread. */
function inThread(sessionId: string, method: string, params: object = {}, chunks?: (c: string) => void): Promise<Record<string, unknown>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, chunks });
    session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) });
  });
}

function procStatus(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

export interface MemoryReport {
  rss: number;
  status: Record<string, number>;
  main: NodeJS.MemoryUsage;
  threads: Array<{ title: string; usedSize: number; totalSize: number }>;
}

async function measure(gc: boolean): Promise<MemoryReport> {
  if (gc) {
    (globalThis as { gc?: () => void }).gc?.();
    for (const t of threads.values()) await inThread(t.sessionId, 'HeapProfiler.collectGarbage');
  }
  const list: MemoryReport['threads'] = [];
  for (const t of threads.values()) {
    const u = (await inThread(t.sessionId, 'Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    list.push({ title: t.title, usedSize: u.usedSize, totalSize: u.totalSize });
  }
  return { rss: process.memoryUsage.rss(), status: procStatus(), main: process.memoryUsage(), threads: list };
}

async function snapshots(dir: string): Promise<Array<{ what: string; bytes: number; file: string }>> {
  fs.mkdirSync(dir, { recursive: true });
  const main = v8.writeHeapSnapshot(path.join(dir, `main-${process.pid}.heapsnapshot`));
  const out = [{ what: 'main thread', bytes: fs.statSync(main).size, file: main }];
  for (const t of threads.values()) {
    const file = path.join(dir, `thread-${process.pid}-${t.title.replace(/\W+/g, '_')}.heapsnapshot`);
    const fd = fs.openSync(file, 'w');
    try {
      await inThread(t.sessionId, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false }, (c) => fs.writeSync(fd, c));
    } finally {
      fs.closeSync(fd);
    }
    out.push({ what: t.title, bytes: fs.statSync(file).size, file });
  }
  return out;
}

if (process.send) {
  process.on('message', (m: { id: number; op: 'measure' | 'snapshot'; gc?: boolean; dir?: string }) => {
    const run = m.op === 'snapshot' ? snapshots(m.dir ?? '/tmp') : measure(m.gc ?? true);
    run.then(
      (result) => process.send?.({ id: m.id, result }),
      (err: unknown) => process.send?.({ id: m.id, error: String(err) }),
    );
  });
  // The channel must not keep a stopped worker alive.
  process.channel?.unref();
}
