/**
 * `npm run bench:actions -- [--n 200] [--server dev|pg] [--address host:port]`: human action
 * latency. Acknowledge end to end — HTTP → token → roles → Temporal update → validator → record
 * activity → read back — at concurrency 1 and 16 (each request on a notice of its own, issued
 * beforehand), beside, in the same run: a bare express handler over the same HTTP client, and a
 * bare Temporal update whose handler runs one no-op activity (on workflows of their own).
 * p50/p95/p99 of each (targets: acknowledge within 1.5× of the bare update; p95 < 300 ms at 1).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { baselineWorker, benchStack, cpuReport, cpuSample, header, httpJson, issueNotice, num, parseFlags, pool, SERVER_FLAGS, summary, temporalUnderTest } from './lib';
import { fastPolicy } from '../test/support/stack';

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), [...SERVER_FLAGS, 'n']);
  const n = num(flags, 'n', 200);
  const temporal = await temporalUnderTest(flags);
  header(`human action latency: acknowledge end to end vs a bare express handler and a bare update, ${n} requests at concurrency 1 and 16`, temporal);
  // Each level's latencies, and below them where the CPU went while it ran (per request).
  const timed = async (c: number, fn: (i: number) => Promise<void>) => {
    const lat: number[] = [];
    const cpu0 = cpuSample();
    await pool(n, c, async (i) => {
      const t = performance.now();
      await fn(i);
      lat.push(performance.now() - t);
    });
    return `${summary(lat)}\n                                    ${cpuReport(cpu0, cpuSample(), n)}`;
  };
  try {
    // Bare express: the HTTP floor.
    const app = express();
    app.post('/bare', (_req, res) => {
      res.json({ ok: true });
    });
    const srv = http.createServer(app);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const bareUrl = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/bare`;
    for (const c of [1, 16]) console.log(`bare express handler,         c=${String(c).padEnd(2)}: ${await timed(c, async () => void (await httpJson(bareUrl, 'POST', undefined, {})))}`);
    srv.close();

    // Bare update with one no-op activity, each on a workflow of its own.
    const bare = await baselineWorker(temporal, { noop: () => Promise.resolve() });
    for (const c of [1, 16]) {
      const handles = await Promise.all(
        Array.from({ length: n }, (_, i) => bare.client.workflow.start('bareUpdateWorkflow', { taskQueue: bare.taskQueue, workflowId: `bench-upd-${bare.taskQueue}-${c}-${i}` })),
      );
      // Each workflow's first task done, so only the update is timed.
      await Promise.all(handles.map((h) => h.query('__stack_trace')));
      console.log(`bare update + no-op activity,  c=${String(c).padEnd(2)}: ${await timed(c, async (i) => void (await handles[i].executeUpdate('bare', { args: [i] })))}`);
      await Promise.all(handles.map((h) => h.terminate()));
    }
    await bare.stop();

    // Acknowledge through the API.
    const stack = await benchStack(temporal, { policy: fastPolicy({ ack: 'P1D', rectify: 'P7D' }) });
    try {
      const office = await stack.tokens.sign('p-chen-jing');
      const liaison = await stack.tokens.sign('p-li-na');
      for (const c of [1, 16]) {
        const ids: string[] = [];
        await pool(n, 8, async () => {
          const r = await issueNotice(stack.url, office, { unitId: 'cs', title: '签收延迟测试', category: 'vulnerability', severity: 'medium', description: 'bench' }, `bench-actions-${c}-${Date.now()}-${ids.length}-${Math.random()}`);
          ids.push(r.id);
        });
        console.log(
          `acknowledge end to end,        c=${String(c).padEnd(2)}: ${await timed(c, async (i) => {
            const res = await httpJson(`${stack.url}/api/notices/${ids[i]}/acknowledge`, 'POST', liaison, {});
            if (res.status !== 200 || (res.body as { status: string }).status !== 'rectifying') throw new Error(`acknowledge: ${res.status} ${JSON.stringify(res.body)}`);
          })}`,
        );
      }
    } finally {
      await stack.close();
    }
  } finally {
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
