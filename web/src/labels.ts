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

// ---- Incidents and the register (issue 10) ----

export const incidentType = (c: string) => label('incidentTypes', c);
export const incidentGrade = (c: string) => label('incidentGrades', c);
export const incidentStatus = (c: string) => label('incidentStatuses', c);
export const incidentSource = (c: string) => label('incidentSources', c);
export const systemStatus = (c: string) => label('systemStatuses', c);
export const triggerRule = (c: string) => label('triggerRules', c);

/** The article a trigger rule applies ("7(1)"). */
export function ruleArticle(rule: string): string {
  return (GLOSSARY.triggerRules as Record<string, { article: string } | undefined>)[rule]?.article ?? '';
}

const CN_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** A classified-protection level (网络安全等级保护) as offices write it: 第三级 / level 3. */
export function protectionLevel(n: number): string {
  return i18n.global.locale.value === 'en' ? `level ${n}` : `第${CN_DIGITS[n] ?? n}级`;
}

/** An article as the regulation cites it: "7(1)" → 第七条第（一）项 / Art. 7(1). */
export function article(code: string): string {
  const m = /^(\d)\((\d)\)$/.exec(code);
  if (!m) return code;
  return i18n.global.locale.value === 'en' ? `Art. ${code}` : `第${CN_DIGITS[Number(m[1])]}条第（${CN_DIGITS[Number(m[2])]}）项`;
}

/**
 * A running clock in words, to the second: "2 小时 03 分 05 秒", "1 天 4 小时 10 分" (days drop the
 * seconds), "45 秒"; English "2 h 03 min 05 s".
 */
export function clock(ms: number): string {
  const en = i18n.global.locale.value === 'en';
  let rest = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(rest / 86400);
  rest -= d * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const two = (n: number, lead: boolean) => (lead ? String(n) : String(n).padStart(2, '0'));
  const parts: string[] = [];
  if (d) parts.push(en ? `${d} d` : `${d} 天`);
  if (d || h) parts.push(en ? `${h} h` : `${h} 小时`);
  if (d || h || m) parts.push(en ? `${two(m, !d && !h)} min` : `${two(m, !d && !h)} 分`);
  if (!d) parts.push(en ? `${two(s, !h && !m)} s` : `${two(s, !h && !m)} 秒`);
  return parts.join(' ');
}

/** "2026-12-01T20:15" (an <input type="datetime-local"> read as Beijing time) → an ISO instant; '' → undefined. */
export function beijingLocal(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const withSeconds = /T\d\d:\d\d$/.test(value) ? `${value}:00` : value;
  const t = Date.parse(`${withSeconds}+08:00`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** An instant as the value of an <input type="datetime-local"> in Beijing time: "YYYY-MM-DDTHH:mm",
 *  or with ":ss" for an input with step="1". */
export function beijingLocalValue(at: number, seconds = false): string {
  return new Date(at + 8 * 3600000).toISOString().slice(0, seconds ? 19 : 16);
}
