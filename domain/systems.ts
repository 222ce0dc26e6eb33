/**
 * The information-system register (信息系统台账) as pure rules: what a system record holds, and how
 * one row of an office's spreadsheet (CSV or XLSX, Chinese or English column names) becomes one —
 * or the reasons it is refused, so an import can name every bad row by its line. No I/O.
 */
import { SYSTEM_STATUSES, SYSTEM_STATUS_LABELS, type SystemStatus } from './glossary';
import { textProblem, type TextKind } from './text';

export { SYSTEM_STATUSES, SYSTEM_STATUS_LABELS } from './glossary';
export type { SystemStatus } from './glossary';

export interface SystemFields {
  unitId: string;
  name: string;
  host: string;
  contact: string;
  important: boolean;
  protectionLevel: number;
  cii: boolean;
  status: SystemStatus;
}

export interface InformationSystem extends SystemFields {
  id: string;
  unitName?: string;
  createdAt: string;
  updatedAt: string;
}

/** The key a re-import matches rows by: the owner unit, the name and the host (case-insensitive). */
export function importKey(s: Pick<SystemFields, 'unitId' | 'name' | 'host'>): string {
  return [s.unitId, s.name, s.host].map((x) => x.trim().toLowerCase()).join('\n');
}

/** Column names accepted in a sheet's header row, per field. */
const COLUMNS: Record<keyof SystemFields, string[]> = {
  unitId: ['unitid', 'unit', '单位', '单位代码', '所属单位', '责任单位'],
  name: ['name', '名称', '系统名称', '网站名称'],
  host: ['host', 'address', '地址', '域名', '网址', 'ip', '主机'],
  contact: ['contact', '联系人', '联系方式'],
  important: ['important', '重要', '是否重要', '重要系统'],
  protectionLevel: ['protectionlevel', 'level', '等保级别', '等级保护级别', '等保'],
  cii: ['cii', '关键信息基础设施', '是否关基', '关基'],
  status: ['status', '状态'],
};

export function columnOf(header: string): keyof SystemFields | null {
  const h = header.trim().toLowerCase().replace(/[\s_-]/g, '');
  for (const [field, names] of Object.entries(COLUMNS)) if (names.includes(h)) return field as keyof SystemFields;
  return null;
}

/** A contact cell may hold several lines (name and telephone); every other cell is one line. */
const CELL_KIND: Record<keyof SystemFields, TextKind> = {
  unitId: 'line',
  name: 'line',
  host: 'line',
  contact: 'multiline',
  important: 'line',
  protectionLevel: 'line',
  cii: 'line',
  status: 'line',
};

const YES = ['是', 'yes', 'y', 'true', '1', '√', '重要'];
const NO = ['否', 'no', 'n', 'false', '0', '', '一般'];
const LEVELS: Record<string, number> = { 一级: 1, 二级: 2, 三级: 3, 四级: 4, 五级: 5, 第一级: 1, 第二级: 2, 第三级: 3, 第四级: 4, 第五级: 5 };

function bool(v: string, field: string, errors: string[]): boolean {
  const x = v.trim().toLowerCase();
  if (YES.includes(x)) return true;
  if (NO.includes(x)) return false;
  errors.push(`${field}：“${v}”应为 是/否 / ${field}: "${v}" should be yes or no`);
  return false;
}

function status(v: string, errors: string[]): SystemStatus {
  const x = v.trim();
  if (!x) return 'in_service';
  const found = SYSTEM_STATUSES.find((s) => s === x || SYSTEM_STATUS_LABELS[s].zh === x || SYSTEM_STATUS_LABELS[s].en === x.toLowerCase());
  if (!found) errors.push(`状态“${x}”无效（在用、暂停、已下线） / status "${x}" is not one of in_service, suspended, retired`);
  return found ?? 'in_service';
}

/**
 * One row of a sheet (values by field) → a system, or the reasons it is refused. `units`: the
 * unit ids that exist and are active.
 */
export function parseSystemRow(row: Partial<Record<keyof SystemFields, string>>, units: ReadonlySet<string>): { value: SystemFields } | { errors: string[] } {
  const errors: string[] = [];
  const get = (k: keyof SystemFields) => (row[k] ?? '').trim();
  // The one text rule (domain/text.ts), cell by cell, so every bad cell of a row is named.
  for (const [k, v] of Object.entries(row) as Array<[keyof SystemFields, string | undefined]>) {
    const p = v === undefined ? null : textProblem(v, CELL_KIND[k]);
    if (p) errors.push(`${k}：${p.zh} / ${k}: ${p.en}`);
  }
  const unitId = get('unitId');
  const name = get('name');
  const host = get('host');
  if (!unitId) errors.push('缺少单位 / unit missing');
  else if (!units.has(unitId)) errors.push(`单位“${unitId}”不存在 / unit "${unitId}" does not exist`);
  if (!name) errors.push('缺少名称 / name missing');
  if (name.length > 200) errors.push('名称过长（最多200字） / name longer than 200 characters');
  if (!host) errors.push('缺少地址 / host missing');
  if (host.length > 500) errors.push('地址过长 / host longer than 500 characters');
  const contact = get('contact');
  if (contact.length > 200) errors.push('联系人过长 / contact longer than 200 characters');
  const rawLevel = get('protectionLevel');
  const level = LEVELS[rawLevel] ?? (/^[1-5]$/.test(rawLevel) ? Number(rawLevel) : NaN);
  if (Number.isNaN(level)) errors.push(`等保级别“${rawLevel}”应为1–5 / protection level "${rawLevel}" should be 1–5`);
  const value: SystemFields = {
    unitId,
    name,
    host,
    contact,
    important: bool(get('important'), '重要 / important', errors),
    protectionLevel: level,
    cii: bool(get('cii'), '关基 / cii', errors),
    status: status(get('status'), errors),
  };
  return errors.length ? { errors } : { value };
}

export interface RowRefusal {
  line: number;
  errors: string[];
}

/**
 * All rows of a sheet, all or nothing: the systems when every row is good, else every refused row
 * with its line. Two rows for the same system (same unit, name and host) are refused too.
 */
export function parseSheet(
  rows: Array<{ line: number; cells: Record<string, string> }>,
  units: ReadonlySet<string>,
): { systems: SystemFields[]; refused: RowRefusal[] } {
  const systems: SystemFields[] = [];
  const refused: RowRefusal[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const byField: Partial<Record<keyof SystemFields, string>> = {};
    for (const [header, v] of Object.entries(r.cells)) {
      const f = columnOf(header);
      if (f) byField[f] = v;
    }
    if (Object.values(byField).every((v) => !v?.trim())) continue; // a blank line
    const parsed = parseSystemRow(byField, units);
    if ('errors' in parsed) {
      refused.push({ line: r.line, errors: parsed.errors });
      continue;
    }
    const key = importKey(parsed.value);
    const first = seen.get(key);
    if (first !== undefined) {
      refused.push({ line: r.line, errors: [`与第${first}行重复 / duplicates line ${first}`] });
      continue;
    }
    seen.set(key, r.line);
    systems.push(parsed.value);
  }
  return { systems, refused };
}

/** Which header names the sheet lacks (unit, name, host and protection level are required). */
export function missingColumns(headers: string[]): string[] {
  const have = new Set(headers.map(columnOf).filter((x): x is keyof SystemFields => x !== null));
  return (['unitId', 'name', 'host', 'protectionLevel'] as const).filter((f) => !have.has(f));
}
