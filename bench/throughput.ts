/**
 * `npm run bench:throughput -- [--n 2000] [--concurrency 16] [--server dev|pg] [--address host:port]`:
 * notice throughput. N notices issued through the API (HTTP, keep-alive) at a fixed concurrency;
 * a POST answers once the workflow has recorded its first event (the `issued` row), so the rate is
 * N / the time until the last answer. Beside it, in the same run on the same server: N bare
 * workflows with one no-op activity each, started by a plain client at the same concurrency and
 * awaited to completion. Prints both rates and the ratio (target: within 1.5× of the baseline).
 */
import { baselineWorker, benchStack, cpuReport, cpuSample, fmtMs, header, issueNotice, num, parseFlags, pool, SERVER_FLAGS, summary, temporalUnderTest } from './lib';
import { fastPolicy } from '../test/support/stack';

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), [...SERVER_FLAGS, 'n', 'concurrency']);
  const n = num(flags, 'n', 2000);
  const c = num(flags, 'concurrency', 16);
  const temporal = await temporalUnderTest(flags);
  header(`notice throughput: ${n} notices through the API at concurrency ${c}, beside ${n} bare workflows`, temporal);
  try {
    const bare = await baselineWorker(temporal, { noop: () => Promise.resolve() });
    let cpu0 = cpuSample();
    let started = Date.now();
    const bareLat: number[] = [];
    await pool(n, c, async (i) => {
      const t = Date.now();
      await bare.client.workflow.execute('bareWorkflow', { taskQueue: bare.taskQueue, workflowId: `bench-bare-${bare.taskQueue}-${i}` });
      bareLat.push(Date.now() - t);
    });
    const bareS = (Date.now() - started) / 1000;
    const bareCpu = cpuReport(cpu0, cpuSample(), n);
    await bare.stop();
    console.log(`baseline  bare workflow + 1 no-op activity: ${(n / bareS).toFixed(1)}/s (${fmtMs(bareS * 1000)}); each ${summary(bareLat)}`);
    console.log(`          ${bareCpu}`);

    const stack = await benchStack(temporal, { policy: fastPolicy({ ack: 'P1D', rectify: 'P7D' }) });
    try {
      const token = await stack.tokens.sign('p-chen-jing');
      const units = ['cs', 'ice', 'ship', 'mee', 'power'];
      const lat: number[] = [];
      let retries = 0;
      cpu0 = cpuSample();
      started = Date.now();
      await pool(n, c, async (i) => {
        const t = Date.now();
        const r = await issueNotice(
          stack.url,
          token,
          { unitId: units[i % units.length], title: `吞吐测试 ${i}`, category: 'vulnerability', severity: 'medium', description: 'bench' },
          `bench-throughput-${started}-${i}`,
        );
        retries += r.retries;
        lat.push(Date.now() - t);
      });
      const s = (Date.now() - started) / 1000;
      const noticeCpu = cpuReport(cpu0, cpuSample(), n);
      const recorded = (await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notice_events WHERE type = 'issued'`)).rows[0].n;
      console.log(`cyberduty POST /api/notices → issued recorded: ${(n / s).toFixed(1)}/s (${fmtMs(s * 1000)}); each ${summary(lat)}; issued rows ${recorded}; ${retries} requests repeated after a 503`);
      console.log(`          ${noticeCpu}`);
      console.log(`ratio baseline rate / notice rate: ${(n / bareS / (n / s)).toFixed(2)}× (target ≤ 1.5×)`);
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
