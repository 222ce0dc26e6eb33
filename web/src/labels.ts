// The regulation's words (statuses, severities, categories, chain levels, decisions, roles…) come
// from domain/glossary.ts, bundled at build time: the UI says exactly what the API and the messages
// say, in the person's language.
import { GLOSSARY } from '../../domain/glossary';
import { formatBeijing } from '../../domain/time';
import { i18n } from './i18n';

export { GLOSSARY, formatBeijing };

type Labels = Record<string, { zh: string; en: string }>;

function pick(l: { zh: string; en: string } | undefined, fallback: string): string {
  if (!l) return fallback;
  return i18n.global.locale.value === 'en' ? l.en : l.zh;
}

export function label(kind: keyof typeof GLOSSARY, code: string | null | undefined): string {
  if (code === null || code === undefined) return '';
  if (kind === 'chain') return pick(GLOSSARY.chain.find((c) => String(c.level) === String(code)), code);
  const table: Labels = GLOSSARY[kind];
  return pick(table[code], code);
}

export const status = (c: string) => label('noticeStatuses', c);
export const severity = (c: string) => label('severities', c);
export const category = (c: string) => label('categories', c);
export const role = (c: string) => label('roles', c);
export const chainLevel = (n: number) => label('chain', String(n));

export function codes(kind: Exclude<keyof typeof GLOSSARY, 'chain'>): string[] {
  return Object.keys(GLOSSARY[kind]);
}

/** "2026-11-26 17:30" Beijing time (24:00 for end-of-day), or '' for nothing. */
export function when(iso: string | null | undefined): string {
  return iso ? formatBeijing(iso) : '';
}

/** Time left until a deadline in plain words; negative is overdue. */
export function timeLeft(iso: string, now = Date.now()): { text: string; overdue: boolean } {
  const ms = Date.parse(iso) - now;
  const overdue = ms < 0;
  let rest = Math.abs(ms);
  const d = Math.floor(rest / 86400000);
  rest -= d * 86400000;
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const m = Math.floor(rest / 60000);
  const en = i18n.global.locale.value === 'en';
  const parts: string[] = [];
  if (d) parts.push(en ? `${d} d` : `${d} 天`);
  if (h && d < 7) parts.push(en ? `${h} h` : `${h} 小时`);
  if (!d && m && h < 6) parts.push(en ? `${m} min` : `${m} 分钟`);
  if (!parts.length) parts.push(en ? 'under a minute' : '不到 1 分钟');
  const span = parts.join(en ? ' ' : ' ');
  return { overdue, text: overdue ? (en ? `overdue by ${span}` : `已逾期 ${span}`) : en ? `${span} left` : `还剩 ${span}` };
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "YYYY-MM-DD" (+ optional "HH:mm") in Beijing time → an ISO instant; a date alone is 24:00 that day. */
export function beijingInstant(date: string, time?: string | null): string {
  if (time) return new Date(`${date}T${time}:00+08:00`).toISOString();
  return new Date(Date.parse(`${date}T00:00:00+08:00`) + 86400000).toISOString();
}
