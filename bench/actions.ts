/**
 * `npm run bench:actions -- [--n 200] [--rounds 1] [--concurrency 1,16] [--server dev|pg] [--address host:port]`:
 * human action latency. Acknowledge end to end — HTTP → token → roles → Temporal update →
 * validator → record activity → read back — at each concurrency (each request on a notice of its
 * own, issued beforehand), beside, in the same run: a bare express handler over the same HTTP
 * client, and a bare Temporal update whose handler runs one no-op activity (on workflows of their
 * own). p50/p95/p99 of each (targets: acknowledge within 1.5× of the bare update; p95 < 300 ms at 1).
 *
 * With `--rounds R` the bare update and the acknowledge take turns, R rounds of n requests each,
 * and the figures pool every round: at 16 at a time both are CPU-bound on two cores, and one
 * phase of a few seconds each caught the servers' own pauses (a checkpoint, a collection) in one
 * and not the other — the same code's ratio moved from 1.5× to 2.0× between single runs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { baselineWorker, benchStack, cpuReport, cpuSample, header, httpJson, issueNotice, num, parseFlags, percentile, pool, SERVER_FLAGS, summary, temporalUnderTest, type CpuSample } from './lib';
import { fastPolicy } from '../test/support/stack';

/** Latencies and the CPU they took, gathered over one or more phases of the same kind. */
class Phases {
  readonly lat: number[] = [];
  private readonly used: CpuSample = { at: 0, server: 0, postgres: 0, bench: 0, total: 0 };
  readonly perRound: number[] = [];
  async run(n: number, c: number, fn: (i: number) => Promise<void>): Promise<void> {
    const before = cpuSample();
    const mine: number[] = [];
    await pool(n, c, async (i) => {
      const t = performance.now();
      await fn(i);
      mine.push(performance.now() - t);
    });
    const after = cpuSample();
    for (const k of ['at', 'server', 'postgres', 'bench', 'total'] as const) this.used[k] += after[k] - before[k];
    this.lat.push(...mine);
    this.perRound.push(percentile([...mine].sort((a, b) => a - b), 50));
  }
  report(): string {
    return `${summary(this.lat)}\n                                    ${cpuReport({ at: 0, server: 0, postgres: 0, bench: 0, total: 0 }, this.used, this.lat.length)}`;
  }
  p(q: number): number {
    return percentile([...this.lat].sort((a, b) => a - b), q);
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), [...SERVER_FLAGS, 'n', 'rounds', 'concurrency']);
  const n = num(flags, 'n', 200);
  const rounds = Math.max(1, num(flags, 'rounds', 1));
  const levels = String(flags.concurrency ?? '1,16')
    .split(',')
    .map((x) => Number(x))
    .filter((x) => Number.isInteger(x) && x > 0);
  if (levels.length === 0) throw new Error('--concurrency: a list of positive integers, e.g. 1,16');
  const temporal = await temporalUnderTest(flags);
  header(
    `human action latency: acknowledge end to end vs a bare express handler and a bare update, ${n} requests${rounds > 1 ? ` × ${rounds} rounds, taking turns,` : ''} at concurrency ${levels.join(' and ')}`,
    temporal,
  );
  try {
    // Bare express: the HTTP floor.
    const app = express();
    app.post('/bare', (_req, res) => {
      res.json({ ok: true });
    });
    const srv = http.createServer(app);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const bareUrl = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/bare`;
    for (const c of levels) {
      const floor = new Phases();
      await floor.run(n, c, async () => void (await httpJson(bareUrl, 'POST', undefined, {})));
      console.log(`bare express handler,          c=${String(c).padEnd(2)}: ${floor.report()}`);
    }
    srv.close();

    const bare = await baselineWorker(temporal, { noop: () => Promise.resolve() });
    const stack = await benchStack(temporal, { policy: fastPolicy({ ack: 'P1D', rectify: 'P7D' }) });
    try {
      const office = await stack.tokens.sign('p-chen-jing');
      const liaison = await stack.tokens.sign('p-li-na');
      for (const c of levels) {
        const total = n * rounds;
        // Bare update with one no-op activity, each on a workflow of its own; each workflow's first
        // task done, so only the update is timed.
        const handles = await Promise.all(
          Array.from({ length: total }, (_, i) => bare.client.workflow.start('bareUpdateWorkflow', { taskQueue: bare.taskQueue, workflowId: `bench-upd-${bare.taskQueue}-${c}-${i}` })),
        );
        await Promise.all(handles.map((h) => h.query('__stack_trace')));
        // The notices to acknowledge, issued through the API.
        const ids: string[] = [];
        await pool(total, 8, async (i) => {
          const r = await issueNotice(stack.url, office, { unitId: 'cs', title: '签收延迟测试', category: 'vulnerability', severity: 'medium', description: 'bench' }, `bench-actions-${c}-${Date.now()}-${i}-${Math.random()}`);
          ids.push(r.id);
        });
        const update = new Phases();
        const ack = new Phases();
        for (let r = 0; r < rounds; r++) {
          await update.run(n, c, async (i) => void (await handles[r * n + i].executeUpdate('bare', { args: [i] })));
          await ack.run(n, c, async (i) => {
            const res = await httpJson(`${stack.url}/api/notices/${ids[r * n + i]}/acknowledge`, 'POST', liaison, {});
            if (res.status !== 200 || (res.body as { status: string }).status !== 'rectifying') throw new Error(`acknowledge: ${res.status} ${JSON.stringify(res.body)}`);
          });
        }
        console.log(`bare update + no-op activity,  c=${String(c).padEnd(2)}: ${update.report()}`);
        console.log(`acknowledge end to end,        c=${String(c).padEnd(2)}: ${ack.report()}`);
        const ratio = (q: number) => (ack.p(q) / update.p(q)).toFixed(2);
        const rounded = rounds > 1 ? `; by round, p50: ${ack.perRound.map((a, i) => (a / update.perRound[i]).toFixed(2)).join(' · ')}` : '';
        console.log(`  ratio acknowledge / bare update, c=${c}: p50 ${ratio(50)}× · p95 ${ratio(95)}×${rounded}`);
        await Promise.all(handles.map((h) => h.terminate()));
      }
    } finally {
      await stack.close();
      await bare.stop();
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
