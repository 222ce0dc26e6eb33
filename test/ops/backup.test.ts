/**
 * The runbook's backup and restore of the records, for real: the system does some work (a notice
 * issued and acknowledged, its messages, the audit trail), `pg_dump -Fc` takes the schema, and
 * `pg_restore` puts it into a fresh database. Every table comes back identical (row counts and
 * content hashes), the audit chain verifies on the copy, and a migrated system opens it as is.
 * PostgreSQL only (DATABASE_URL); needs pg_dump and pg_restore on PATH.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb, type Db } from '../../db/client';
import { verifyAudit } from '../../db/audit';
import { pendingMigrations } from '../../db/migrate';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/wait';

const d = process.env.DATABASE_URL ? describe : describe.skip;

/** Every table's row count and content hash. */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const tables = (
    await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).rows.map((r) => r.table_name);
  const out: Record<string, string> = {};
  for (const t of tables) {
    const r = await db.query<{ n: number; h: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x`);
    out[t] = `${r.rows[0].n}:${r.rows[0].h}`;
  }
  return out;
}

d('backup and restore of the records (pg_dump / pg_restore)', () => {
  let s: Stack;
  let restoredDb: string;
  let dir: string;
  beforeAll(async () => {
    s = await startStack();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyberduty-backup-'));
  });
  afterAll(async () => {
    await s?.shutdown();
    if (restoredDb) execFileSync('dropdb', ['--if-exists', '--maintenance-db', process.env.DATABASE_URL!, restoredDb]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a dump restored into a fresh database is the same records, and its audit chain verifies', async () => {
    const n = await s.as('p-chen-jing').post('/api/notices', { unitId: 'cs', title: '备份演练', category: 'vulnerability', severity: 'high', description: 'backup' });
    expect(n.status).toBe(201);
    expect((await s.as('p-li-na').post(`/api/notices/${n.body.id}/acknowledge`)).status).toBe(200);
    await eventually(async () => {
      const r = await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox_messages WHERE notice_id = $1`, [n.body.id]);
      return r.rows[0].n > 0;
    }, 20000, 'the messages');
    const schema = (await s.db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s;
    const before = await fingerprint(s.db);
    expect(Number(before.notice_events.split(':')[0])).toBeGreaterThanOrEqual(2);

    // The runbook's commands (README "Backup and restore").
    const url = process.env.DATABASE_URL!;
    const file = path.join(dir, 'cyberduty.dump');
    execFileSync('pg_dump', ['--format=custom', '--no-owner', `--schema=${schema}`, `--file=${file}`, url]);
    restoredDb = `restore_${crypto.randomBytes(4).toString('hex')}`;
    execFileSync('createdb', ['--maintenance-db', url, restoredDb]);
    const target = new URL(url);
    target.pathname = `/${restoredDb}`;
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${target.toString()}`, file]);

    const copy = await openDb({ databaseUrl: target.toString(), schema });
    try {
      expect(await fingerprint(copy)).toEqual(before);
      expect(await pendingMigrations(copy)).toEqual([]);
      const chain = await verifyAudit(copy);
      expect(chain.ok).toBe(true);
      expect(chain.count).toBeGreaterThan(0);
      // The copy carries on: its sequences continue after the restored rows.
      const next = await copy.query<{ id: string }>(
        `INSERT INTO org_imports (source, digest, summary) VALUES ('restore-check', 'x', '{}') RETURNING id`,
      );
      const max = await s.db.query<{ m: string }>('SELECT max(id) AS m FROM org_imports');
      expect(Number(next.rows[0].id)).toBeGreaterThan(Number(max.rows[0].m));
    } finally {
      await copy.close();
    }
  }, 120000);
});
