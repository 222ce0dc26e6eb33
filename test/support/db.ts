/**
 * Test databases: an in-memory PGlite always, and PostgreSQL too when DATABASE_URL is set. Each
 * call gets a fresh, migrated database (PostgreSQL: a schema of its own, dropped on close).
 */
import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../../db/client';
import { migrate } from '../../db/migrate';

export type Backend = 'pglite' | 'postgres';

/** The backends database tests run on: PGlite, plus PostgreSQL when DATABASE_URL is set. */
export function testBackends(): Backend[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** The backend integration tests use: PostgreSQL when DATABASE_URL is set, else PGlite. */
export function defaultBackend(): Backend {
  return process.env.DATABASE_URL ? 'postgres' : 'pglite';
}

export async function openTestDb(backend: Backend = defaultBackend()): Promise<Db> {
  if (backend === 'pglite') {
    const db = await openDb({});
    await migrate(db);
    return db;
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const db = await openDb({ databaseUrl: url, schema });
  await migrate(db);
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      await db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await close();
    },
  });
}
