/** The information-system register (信息系统台账) in the database: reads, writes and imports. */
import type { Db, Queryable } from './client';
import { iso } from './rows';
import { importKey, type InformationSystem, type SystemFields } from '../domain/systems';

export class SystemConflict extends Error {}

function toSystem(r: Record<string, unknown>): InformationSystem {
  return {
    id: r.id as string,
    unitId: r.unit_id as string,
    unitName: (r.unit_name as string | undefined) ?? undefined,
    name: r.name as string,
    host: r.host as string,
    contact: r.contact as string,
    important: r.important as boolean,
    protectionLevel: Number(r.protection_level),
    cii: r.cii as boolean,
    status: r.status as InformationSystem['status'],
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

const SELECT = `SELECT s.*, u.name AS unit_name FROM information_systems s JOIN units u ON u.id = s.unit_id`;

export interface SystemFilter {
  unitIds: string[] | null;
  unitId?: string;
  important?: boolean;
  cii?: boolean;
  status?: string;
  q?: string;
  page: number;
  pageSize: number;
}

export async function listSystems(db: Queryable, f: SystemFilter): Promise<{ items: InformationSystem[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.unitIds !== null) add('s.unit_id = ANY(?::text[])', f.unitIds);
  if (f.unitId) add('s.unit_id = ?', f.unitId);
  if (f.important !== undefined) add('s.important = ?', f.important);
  if (f.cii !== undefined) add('s.cii = ?', f.cii);
  if (f.status) add('s.status = ?', f.status);
  if (f.q) {
    params.push(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(s.name ILIKE $${params.length} OR s.host ILIKE $${params.length})`);
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_systems s ${w}`, params);
  const rows = await db.query<Record<string, unknown>>(
    `${SELECT} ${w} ORDER BY s.unit_id, s.name, s.id LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return { total: total.rows[0].n, items: rows.rows.map(toSystem) };
}

export async function getSystem(db: Queryable, id: string): Promise<InformationSystem | null> {
  const r = await db.query<Record<string, unknown>>(`${SELECT} WHERE s.id = $1`, [id]);
  return r.rows[0] ? toSystem(r.rows[0]) : null;
}

export async function getSystems(db: Queryable, ids: string[]): Promise<InformationSystem[]> {
  const r = await db.query<Record<string, unknown>>(`${SELECT} WHERE s.id = ANY($1::text[])`, [ids]);
  return r.rows.map(toSystem);
}

async function nextId(q: Queryable): Promise<string> {
  const r = await q.query<{ last: number }>(
    `INSERT INTO system_counters (id, last) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET last = system_counters.last + 1 RETURNING last`,
  );
  return `SYS-${String(r.rows[0].last).padStart(4, '0')}`;
}

async function insert(q: Queryable, s: SystemFields, by: string): Promise<string> {
  const id = await nextId(q);
  await q.query(
    `INSERT INTO information_systems (id, unit_id, name, host, contact, important, protection_level, cii, status, import_key, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [id, s.unitId, s.name, s.host, s.contact, s.important, s.protectionLevel, s.cii, s.status, importKey(s), by],
  );
  return id;
}

async function keyTaken(q: Queryable, key: string, exceptId?: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM information_systems WHERE import_key = $1 AND id <> $2', [key, exceptId ?? '']);
  return r.rows.length > 0;
}

export async function createSystem(db: Db, s: SystemFields, by: string): Promise<string> {
  return db.tx(async (q) => {
    if (await keyTaken(q, importKey(s))) throw new SystemConflict();
    return insert(q, s, by);
  });
}

export async function updateSystem(db: Db, id: string, s: SystemFields, by: string): Promise<void> {
  await db.tx(async (q) => {
    if (await keyTaken(q, importKey(s), id)) throw new SystemConflict();
    await q.query(
      `UPDATE information_systems SET unit_id = $2, name = $3, host = $4, contact = $5, important = $6, protection_level = $7,
         cii = $8, status = $9, import_key = $10, updated_by = $11, updated_at = now() WHERE id = $1`,
      [id, s.unitId, s.name, s.host, s.contact, s.important, s.protectionLevel, s.cii, s.status, importKey(s), by],
    );
  });
}

/**
 * Writes a whole sheet in one transaction: rows matched by their import key are updated when they
 * differ, the others created. Importing the same sheet again changes nothing.
 */
export async function importSystems(db: Db, systems: SystemFields[], by: string): Promise<{ created: number; updated: number; unchanged: number }> {
  return db.tx(async (q) => {
    const out = { created: 0, updated: 0, unchanged: 0 };
    for (const s of systems) {
      const found = await q.query<Record<string, unknown>>('SELECT * FROM information_systems WHERE import_key = $1', [importKey(s)]);
      const row = found.rows[0];
      if (!row) {
        await insert(q, s, by);
        out.created++;
        continue;
      }
      const same =
        row.contact === s.contact && row.important === s.important && Number(row.protection_level) === s.protectionLevel &&
        row.cii === s.cii && row.status === s.status && row.name === s.name && row.host === s.host;
      if (same) {
        out.unchanged++;
        continue;
      }
      await q.query(
        `UPDATE information_systems SET name = $2, host = $3, contact = $4, important = $5, protection_level = $6, cii = $7,
           status = $8, updated_by = $9, updated_at = now() WHERE id = $1`,
        [row.id, s.name, s.host, s.contact, s.important, s.protectionLevel, s.cii, s.status, by],
      );
      out.updated++;
    }
    return out;
  });
}
