/**
 * Reading an office's register sheet: CSV (papaparse) or XLSX (exceljs) into rows of cells by
 * header, each with its line number in the file, for the register's pure row rules (domain/systems.ts).
 */
import Papa from 'papaparse';
import ExcelJS from 'exceljs';

export interface SheetRow {
  line: number;
  cells: Record<string, string>;
}

export class SheetError extends Error {
  constructor(readonly zh: string, readonly en: string) {
    super(`${zh} / ${en}`);
  }
}

export function readCsv(content: Buffer): { headers: string[]; rows: SheetRow[] } {
  const textContent = content.toString('utf8').replace(/^\uFEFF/, '');
  const parsed = Papa.parse<string[]>(textContent, { skipEmptyLines: false });
  const fatal = parsed.errors.find((e) => e.type === 'Quotes');
  if (fatal) throw new SheetError(`CSV 第${(fatal.row ?? 0) + 1}行格式错误：${fatal.message}`, `CSV line ${(fatal.row ?? 0) + 1} is malformed: ${fatal.message}`);
  const [header, ...rest] = parsed.data;
  if (!header) throw new SheetError('文件为空', 'The file is empty');
  const headers = header.map((h) => String(h).trim());
  return {
    headers,
    rows: rest.map((cells, i) => ({ line: i + 2, cells: Object.fromEntries(headers.map((h, j) => [h, String(cells[j] ?? '')])) })),
  };
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') {
    if (v instanceof Date) return v.toISOString();
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v) return String(v.text);
    if ('result' in v) {
      const r = v.result;
      return typeof r === 'string' || typeof r === 'number' || typeof r === 'boolean' ? String(r) : '';
    }
    return '';
  }
  return String(v);
}

export async function readXlsx(content: Buffer): Promise<{ headers: string[]; rows: SheetRow[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    throw new SheetError('无法读取该 XLSX 文件', 'The XLSX file cannot be read');
  }
  const ws = wb.worksheets[0];
  if (!ws || ws.rowCount === 0) throw new SheetError('文件为空', 'The file is empty');
  const headerRow = ws.getRow(1);
  const headers: string[] = [];
  for (let c = 1; c <= headerRow.cellCount; c++) headers.push(cellText(headerRow.getCell(c).value).trim());
  const rows: SheetRow[] = [];
  for (let r = 2; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    rows.push({ line: r, cells: Object.fromEntries(headers.map((h, i) => [h, cellText(row.getCell(i + 1).value)])) });
  }
  return { headers, rows };
}
