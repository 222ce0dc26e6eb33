/**
 * The one-command system (`npm start`'s entry point) as a user runs it: start, issue a notice,
 * Ctrl-C, start again on the same data directory — the notice, its timeline and its timers carry
 * on, including a deadline that passed while everything was stopped. Also: a bad setting stops the
 * process with one line naming the variable.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import request from 'supertest';
import { createTokenService, loadOrCreateSigningKey } from '../../api/auth';
import { freePort } from '../../scripts/temporal-cli';
import { fastPolicy } from '../support/stack';
import { eventually } from '../support/wait';

const ROOT = path.join(__dirname, '..', '..');
const START = ['-r', '@swc-node/register', 'scripts/start.ts'];

let dataDir: string;
let env: NodeJS.ProcessEnv;
let base: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-start-'));
  const policyFile = path.join(dataDir, 'policy.yaml');
  fs.writeFileSync(policyFile, stringify(fastPolicy({ ack: 'PT6S', rectify: 'PT1H' })));
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_UI_PORT: String(uiPort),
    POLICY_FILE: policyFile,
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
  };
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start(): ChildProcess {
  const child = spawn(process.execPath, START, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function healthy(): Promise<void> {
  await eventually(async () => (await request(base).get('/healthz')).status === 200, 90000, 'npm start to be healthy');
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  return exited;
}

test('start, work, Ctrl-C, start again: state and timers carry on', async () => {
  let child = start();
  try {
    await healthy();
    const tokens = createTokenService({ embeddedKey: loadOrCreateSigningKey(dataDir) });
    const office = `Bearer ${await tokens.sign('p-chen-jing')}`;
    const liaison = `Bearer ${await tokens.sign('p-li-na')}`;

    // The demo organisation was loaded on the empty database.
    const units = await request(base).get('/api/org/units').set('Authorization', office);
    expect(units.body.items.length).toBeGreaterThanOrEqual(20);

    const created = await request(base)
      .post('/api/notices')
      .set('Authorization', office)
      .send({ unitId: 'cs', title: '重启测试', category: 'other', severity: 'medium', description: '检查重启后是否继续计时' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    expect(await stop(child)).toBe(0);
    // The acknowledgement deadline (6 s) passes while everything is stopped.
    await eventually(() => Promise.resolve(Date.now() > Date.parse(created.body.acknowledgeBy.at) + 500), 20000, 'deadline');

    child = start();
    await healthy();
    const overdue = await eventually(async () => {
      const r = await request(base).get(`/api/notices/${id}`).set('Authorization', office);
      return r.body.overdue === 'acknowledge' ? r.body : undefined;
    }, 60000, 'the missed deadline to be recorded after the restart');
    expect(overdue.timeline.map((e: { type: string }) => e.type)).toEqual(['issued', 'overdue']);

    const ack = await request(base).post(`/api/notices/${id}/acknowledge`).set('Authorization', liaison).send({});
    expect(ack.status).toBe(200);
    expect(ack.body.status).toBe('rectifying');
  } finally {
    if (child.exitCode === null) expect(await stop(child)).toBe(0);
  }
});

test('a bad setting stops the process with one line naming the variable', () => {
  const r = spawnSync(process.execPath, START, { cwd: ROOT, env: { ...env, PORT: 'eighty' }, encoding: 'utf8' });
  expect(r.status).toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.includes('nodedir'));
  expect(lines).toEqual([expect.stringMatching(/^Invalid configuration: PORT="eighty": /)]);
});
