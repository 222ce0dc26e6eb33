/**
 * What text the system accepts, in one place (issue 11). PostgreSQL cannot store NUL (U+0000) in a
 * text column nor `\u0000` or an unpaired UTF-16 surrogate in jsonb, so such text would fail every
 * write for ever; control characters have no place in what people read. Every string that reaches
 * the database or a workflow — request bodies, query strings, path parameters, stored headers,
 * the organisation file, file imports (CSV/XLSX), template variables — goes through these rules:
 *
 * - `line` (titles, names, ids, query values): one line — no C0 or C1 control character at all
 *   (tab and line breaks included), no DEL, no U+2028/U+2029 line or paragraph separator.
 * - `multiline` (descriptions, facts, comments, reasons): tab, LF and CR are allowed; every other
 *   control character is not.
 * - both: no NUL, no unpaired surrogate.
 *
 * Pure (zod only). `lineText`/`multilineText` are the zod schemas to use in every schema that
 * takes text (API bodies and queries through api/schemas.ts, the organisation file, imports).
 * `storableText` is for records that must be written even when what they record is bad (the audit
 * trail of a refused request, the reason a notice could not be issued): it replaces what cannot
 * be stored with U+FFFD.
 */
import { z } from 'zod';

export type TextKind = 'line' | 'multiline';

/** A problem with a text: which character, where (1-based, in code points), said in both languages. */
export interface TextProblem {
  index: number;
  codePoint: number;
  zh: string;
  en: string;
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

/** Why this code unit (or pair) is refused in a text of this kind, or null. */
function refusal(cp: number, lone: boolean, kind: TextKind): { zh: string; en: string } | null {
  if (lone) return { zh: `不成对的代理码元 ${hex(cp)}`, en: `an unpaired surrogate ${hex(cp)}` };
  if (cp === 0) return { zh: '空字符 U+0000', en: 'the NUL character U+0000' };
  if (kind === 'multiline' && (cp === 0x09 || cp === 0x0a || cp === 0x0d)) return null;
  if (isControl(cp)) {
    return cp === 0x09 || cp === 0x0a || cp === 0x0d
      ? { zh: `换行或制表符 ${hex(cp)}（此处只能填写一行）`, en: `a line break or tab ${hex(cp)} (a single line only)` }
      : { zh: `控制字符 ${hex(cp)}`, en: `the control character ${hex(cp)}` };
  }
  if (kind === 'line' && (cp === 0x2028 || cp === 0x2029)) {
    return { zh: `换行符 ${hex(cp)}（此处只能填写一行）`, en: `a line separator ${hex(cp)} (a single line only)` };
  }
  return null;
}

/** The first character of `s` that a text of this kind may not contain, or null when it is acceptable. */
export function textProblem(s: string, kind: TextKind): TextProblem | null {
  let index = 0;
  for (let i = 0; i < s.length; i++) {
    index++;
    const c = s.charCodeAt(i);
    let cp = c;
    let lone = false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        i++;
      } else lone = true;
    } else if (c >= 0xdc00 && c <= 0xdfff) lone = true;
    const why = refusal(cp, lone, kind);
    if (why) {
      return { index, codePoint: cp, zh: `第 ${index} 个字符是${why.zh}`, en: `character ${index} is ${why.en}` };
    }
  }
  return null;
}

export function isAcceptableText(s: string, kind: TextKind): boolean {
  return textProblem(s, kind) === null;
}

/**
 * The text with everything a text of this kind may not contain replaced by U+FFFD — for records
 * of bad input that must still be written (never for what people submit: that is refused).
 */
export function storableText(s: string, kind: TextKind = 'multiline'): string {
  if (isAcceptableText(s, kind)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i] + s[i + 1];
      i++;
      continue;
    }
    const lone = c >= 0xd800 && c <= 0xdfff;
    out += refusal(c, lone, kind) ? '\ufffd' : s[i];
  }
  return out;
}

/** Every string inside a JSON-like value made storable (keys too), for jsonb columns of records. */
export function storableJson<T>(v: T): T {
  if (typeof v === 'string') return storableText(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => storableJson(x)) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), storableJson(x as unknown)])) as T;
  }
  return v;
}

/** The zod refinement both schemas share: the message names the character and where it is. */
function acceptable(kind: TextKind) {
  return (s: string, ctx: z.RefinementCtx) => {
    const p = textProblem(s, kind);
    if (p) ctx.addIssue({ code: 'custom', message: `${p.zh} / ${p.en}`, params: { codePoint: p.codePoint, index: p.index } });
  };
}

export interface TextOptions {
  /** Least length after trimming (default 1: blank is refused); 0 allows empty. */
  min?: number;
  /** Most length, in UTF-16 code units (as JavaScript and zod count). */
  max: number;
  /** Trim surrounding white space (default true). */
  trim?: boolean;
}

function textSchema(kind: TextKind, o: TextOptions) {
  let s = z.string().superRefine(acceptable(kind));
  if (o.trim !== false) s = s.trim();
  const min = o.min ?? 1;
  if (min > 0) s = s.min(min, { message: min === 1 ? '不能为空 / must not be empty' : `至少 ${min} 个字符 / at least ${min} characters` });
  return s.max(o.max, { message: `最多 ${o.max} 个字符 / at most ${o.max} characters` });
}

/** A single line of text: titles, names, ids, query values. */
export const lineText = (o: TextOptions) => textSchema('line', o);

/** Free text that keeps newlines and tabs: descriptions, facts, comments, reasons. */
export const multilineText = (o: TextOptions) => textSchema('multiline', o);
