/**
 * One small database interface over two engines: node-postgres in production and PGlite (embedded
 * PostgreSQL compiled to WASM) by default. Both speak the same SQL; migrations and repositories are
 * written once against `Db`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
  /** Human-readable location for logs, without credentials. */
  readonly describe: string;
  /**
   * LISTENs on a channel (PostgreSQL: a dedicated connection that reconnects by itself; PGlite: its
   * own listen). `onNotify` runs on every NOTIFY; `onState` when the listening connection is up or
   * down. Resolves to a function that stops listening.
   */
  listen?(channel: string, onNotify: () => void, onState?: (up: boolean, err?: unknown) => void): Promise<() => Promise<void>>;
}

export interface OpenDbOptions {
  /** postgres://… to use a PostgreSQL server; absent for the embedded PGlite. */
  databaseUrl?: string;
  /** Directory for PGlite's files; absent for an in-memory PGlite (tests). */
  pgliteDir?: string;
  /** PostgreSQL schema to use (tests isolate themselves in a schema each); created if missing. */
  schema?: string;
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.schema);
  return openPglite(opts.pgliteDir, opts.schema);
}

async function openPostgres(url: string, schema?: string): Promise<Db> {
  const { Pool } = await import('pg');
  if (schema) {
    const admin = new Pool({ connectionString: url, max: 1 });
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new Pool({
    connectionString: url,
    max: 10,
    // An unreachable server fails a query after 5 s (answered 503) instead of hanging it.
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A broken idle connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@');
  const named = preparedNames();
  return {
    kind: 'postgres',
    describe: `postgres ${safeUrl}${schema ? ` (schema ${schema})` : ''}`,
    async query<T>(sql: string, params?: unknown[]) {
      const r = await pool.query(named(sql, params));
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    async tx<T>(fn: (q: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const q: Queryable = {
          async query<R>(sql: string, params?: unknown[]) {
            const r = await client.query(named(sql, params));
            return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
          },
        };
        const out = await fn(q);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify, onState) {
      const { Client } = await import('pg');
      let client: InstanceType<typeof Client> | undefined;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const connect = async (): Promise<void> => {
        if (stopped) return;
        const c = new Client({ connectionString: url, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
        const lost = (err?: unknown) => {
          if (client !== c) return;
          client = undefined;
          c.removeAllListeners('notification');
          void c.end().catch(() => undefined);
          onState?.(false, err);
          if (!stopped) retry = setTimeout(() => void connect(), 1000);
        };
        c.on('error', lost);
        c.on('end', () => lost());
        c.on('notification', (n) => {
          if (n.channel === channel) onNotify();
        });
        client = c;
        try {
          await c.connect();
          await c.query(`LISTEN ${quoteIdent(channel)}`);
          onState?.(true);
          // Anything committed while we were not listening: look once now.
          onNotify();
        } catch (err) {
          lost(err);
        }
      };
      await connect();
      return async () => {
        stopped = true;
        clearTimeout(retry);
        const c = client;
        client = undefined;
        await c?.end().catch(() => undefined);
      };
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * Statements with parameters as named prepared statements, so that each connection parses and
 * plans a statement once rather than at every call (most of the database's work in a step's ten or
 * so short statements). Parameterless ones (BEGIN, COMMIT, migrations' scripts of several
 * statements) stay on the simple protocol. The names are bounded: past PREPARED_MAX distinct texts
 * (SQL built from filters, multi-row inserts of varying size) statements go unnamed, so neither this
 * map nor a connection's statements on the server grow without end.
 */
const PREPARED_MAX = 500;
function preparedNames(): (sql: string, params?: unknown[]) => { text: string; values?: unknown[]; name?: string } {
  const names = new Map<string, string>();
  return (sql, params) => {
    if (!params || params.length === 0) return { text: sql, values: params };
    let name = names.get(sql);
    if (name === undefined && names.size < PREPARED_MAX) {
      name = `cd_${crypto.createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
      names.set(sql, name);
    }
    return name === undefined ? { text: sql, values: params } : { text: sql, values: params, name };
  };
}

async function openPglite(dir?: string, schema?: string): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  let release: (() => void) | undefined;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    release = takeDirLock(dir);
  }
  const pg = new PGlite(dir);
  await pg.waitReady;
  if (schema) {
    await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}`);
  }
  // PGlite is single-connection: queries are serialised by PGlite itself, and a transaction holds
  // the connection, so plain queries issued during it wait for it to end.
  return {
    kind: 'pglite',
    describe: dir ? `pglite ${dir}` : 'pglite (in memory)',
    async query<T>(sql: string, params?: unknown[]) {
      const r = await pg.query<T>(sql, params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async tx<T>(fn: (q: Queryable) => Promise<T>) {
      return pg.transaction(async (t) => {
        const q: Queryable = {
          async query<R>(sql: string, params?: unknown[]) {
            const r = await t.query<R>(sql, params);
            return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
          },
        };
        return fn(q);
      });
    },
    async listen(channel, onNotify, onState) {
      const unsubscribe = await pg.listen(channel, () => onNotify());
      onState?.(true);
      return () => unsubscribe();
    },
    async close() {
      await pg.close();
      release?.();
    },
  };
}

/**
 * PGlite does not lock its directory, and two processes opening it corrupt it. We take an
 * exclusive lock file holding our pid; a lock left by a dead process is taken over.
 */
export function takeDirLock(dir: string): () => void {
  const lockPath = path.join(dir, 'cyberduty.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The embedded database in ${dir} is in use by process ${holder}. PGlite allows one process only: ` +
            'stop the other process, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      fs.unlinkSync(lockPath); // stale lock of a dead process
    }
  }
  throw new Error(`Could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid identifier: ${name}`);
  return `"${name}"`;
}
