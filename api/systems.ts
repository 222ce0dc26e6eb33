/**
 * /api/systems (信息系统台账): the register kept by the office — list with filters, read, add, edit,
 * and import a sheet (CSV or XLSX, base64 in JSON), all or nothing, each refused row named with its
 * line and reason; importing the same sheet again changes nothing.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { can, visibleUnits } from './access';
import { user } from './http';
import { queryText } from './schemas';
import { forbidden, HttpError, notFound } from './errors';
import { listUnits } from '../db/org';
import { createSystem, getSystem, importSystems, listSystems, SystemConflict, updateSystem } from '../db/systems';
import { missingColumns, parseSheet, parseSystemRow, SYSTEM_STATUSES, type SystemFields } from '../domain/systems';
import { readCsv, readXlsx, SheetError } from './system-sheets';
import type { Db } from '../db/client';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const listQuery = z.strictObject({
  unitId: queryText(64).optional(),
  important: flag.optional(),
  cii: flag.optional(),
  status: z.enum(SYSTEM_STATUSES).optional(),
  q: queryText(100).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const fields = {
  unitId: z.string().max(64),
  name: z.string().max(200),
  host: z.string().max(500),
  contact: z.string().max(200).optional(),
  important: z.boolean().optional(),
  protectionLevel: z.number().int().min(1).max(5),
  cii: z.boolean().optional(),
  status: z.enum(SYSTEM_STATUSES).optional(),
};
const createBody = z.strictObject(fields);
const patchBody = z.strictObject({
  unitId: fields.unitId.optional(),
  name: fields.name.optional(),
  host: fields.host.optional(),
  contact: fields.contact,
  important: fields.important,
  protectionLevel: fields.protectionLevel.optional(),
  cii: fields.cii,
  status: fields.status,
}).refine((b) => Object.values(b).some((v) => v !== undefined), { message: '没有要修改的内容 / Nothing to change' });
const importBody = z.strictObject({ format: z.enum(['csv', 'xlsx']), contentBase64: z.base64().min(1) });

async function activeUnits(db: Db): Promise<Set<string>> {
  return new Set((await listUnits(db)).filter((u) => u.active).map((u) => u.id));
}

/** The register's own row rules (as for a sheet's row), 422 with the reasons. */
async function validFields(db: Db, f: Omit<SystemFields, 'contact' | 'important' | 'cii' | 'status'> & Partial<SystemFields>): Promise<SystemFields> {
  const parsed = parseSystemRow(
    {
      unitId: f.unitId,
      name: f.name,
      host: f.host,
      contact: f.contact ?? '',
      important: f.important ? '是' : '否',
      protectionLevel: String(f.protectionLevel),
      cii: f.cii ? '是' : '否',
      status: f.status ?? 'in_service',
    },
    await activeUnits(db),
  );
  if ('errors' in parsed) throw new HttpError(422, parsed.errors.map((e) => e.split(' / ')[0]).join('；'), parsed.errors.map((e) => e.split(' / ')[1] ?? e).join('; '));
  return parsed.value;
}

const conflict = () => new HttpError(409, '该单位已登记同名同地址的信息系统', 'The unit has a system with this name and host already');

export function systemRoutes(deps: { db: Db }): Router {
  const r = Router();
  const { db } = deps;

  r.get('/', async (req, res) => {
    if (!can(user(res), 'system.read')) throw forbidden('无权查看信息系统台账', 'You may not read the register');
    const q = listQuery.parse(req.query);
    const { items, total } = await listSystems(db, { ...q, unitIds: visibleUnits(user(res), 'system.read') });
    res.json({ items, total, page: q.page, pageSize: q.pageSize });
  });

  async function loadVisible(res: Response, id: string) {
    const s = /^SYS-\d{4,}$/.test(id) ? await getSystem(db, id) : null;
    if (!s || !can(user(res), 'system.read', s.unitId)) throw notFound('找不到该信息系统', 'No such system');
    return s;
  }

  r.get('/:id', async (req, res) => {
    res.json(await loadVisible(res, req.params.id));
  });

  r.post('/', async (req, res) => {
    if (!can(user(res), 'system.manage')) throw forbidden('只有领导小组办公室可以维护信息系统台账', 'Only the office keeps the register');
    const body = createBody.parse(req.body);
    const f = await validFields(db, body);
    try {
      const id = await createSystem(db, f, user(res).id);
      res.setHeader('Location', `/api/systems/${id}`);
      res.status(201).json(await getSystem(db, id));
    } catch (err) {
      if (err instanceof SystemConflict) throw conflict();
      throw err;
    }
  });

  r.patch('/:id', async (req, res) => {
    const found = await loadVisible(res, req.params.id);
    if (!can(user(res), 'system.manage', found.unitId)) throw forbidden('只有领导小组办公室可以维护信息系统台账', 'Only the office keeps the register');
    const body = patchBody.parse(req.body);
    const f = await validFields(db, { ...found, ...Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) });
    try {
      await updateSystem(db, found.id, f, user(res).id);
    } catch (err) {
      if (err instanceof SystemConflict) throw conflict();
      throw err;
    }
    res.json(await getSystem(db, found.id));
  });

  r.post('/import', async (req, res) => {
    if (!can(user(res), 'system.manage')) throw forbidden('只有领导小组办公室可以导入信息系统台账', 'Only the office imports the register');
    const body = importBody.parse(req.body);
    const content = Buffer.from(body.contentBase64, 'base64');
    let sheet;
    try {
      sheet = body.format === 'csv' ? readCsv(content) : await readXlsx(content);
    } catch (err) {
      if (err instanceof SheetError) throw new HttpError(422, err.zh, err.en);
      throw err;
    }
    const missing = missingColumns(sheet.headers);
    if (missing.length) throw new HttpError(422, `缺少列：${missing.join('、')}`, `Missing columns: ${missing.join(', ')}`);
    const { systems, refused } = parseSheet(sheet.rows, await activeUnits(db));
    if (refused.length) {
      res.status(422).json({
        error: `有 ${refused.length} 行无法导入，整表未导入 / ${refused.length} row(s) refused; nothing was imported`,
        refused,
      });
      return;
    }
    if (systems.length === 0) throw new HttpError(422, '表中没有数据行', 'The sheet has no rows');
    const summary = await importSystems(db, systems, user(res).id);
    res.json({ rows: systems.length, ...summary });
  });

  return r;
}
