/**
 * Applies the plain-SQL migrations in db/migrations in file-name order, each once, each in its own
 * transaction. The same files run on PostgreSQL 15 and on PGlite (PostgreSQL 18): write PG15 SQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './client';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    await db.tx(async (q) => {
      // Serialise concurrent migrators on PostgreSQL (API and worker starting together).
      if (db.kind === 'postgres') await q.query('SELECT pg_advisory_xact_lock(724501)');
      const again = await q.query('SELECT 1 FROM schema_migrations WHERE name = $1', [file]);
      if (again.rowCount > 0) return;
      for (const stmt of splitSql(sql)) await q.query(stmt);
      await q.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    });
  }
  return applied;
}

/** Splits a migration into statements on `;` at line ends (our migrations keep no `;` inside bodies). */
function splitSql(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Migration files not yet applied to this database (empty when it is up to date). */
export async function pendingMigrations(db: Pick<Db, 'query'>, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
  return files.filter((f) => !done.has(f));
}
