/**
 * Message templates: one YAML file per kind and locale under notifications/templates (see its
 * README), rendered with a small Mustache-like engine. Rendering reads files, so it happens in the
 * worker's activities and the dispatcher only — never in a workflow.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import type { MessageContext, MessageKind, ProposalMessageContext, ProposalMessageKind, RenderedMessage } from '../domain/messages';
import { DEFAULT_TIME_ZONE, formatLocalTime } from '../domain/time';
import { storableText } from '../domain/text';

export const TEMPLATES_DIR = path.join(__dirname, 'templates');
export const TEMPLATE_LOCALES = ['zh-CN', 'en'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];

export type Value = string | number | boolean | null | undefined;
export type Values = Record<string, Value>;

/** Chinese by default; English for people whose locale is English. */
export function templateLocale(locale: string | null | undefined): TemplateLocale {
  return locale?.toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
}

// ---------------------------------------------------------------------------------------------
// The template language
// ---------------------------------------------------------------------------------------------

interface Filter {
  name: 'time' | 'label';
  arg?: string;
}
interface Cond {
  name: string;
  op?: '=' | '!=' | '>=' | '<=';
  value?: string;
}
type Node =
  | { t: 'text'; s: string }
  | { t: 'var'; name: string; filters: Filter[] }
  | { t: 'section'; cond: Cond; inverted: boolean; children: Node[] }
  | { t: 'partial'; name: string };

export class TemplateError extends Error {}

const TAG = /\{\{([#^/>]?)([^{}]*)\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseCond(raw: string, where: string): Cond {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:(>=|<=|!=|=)\s*(.*))?$/.exec(raw);
  if (!m) throw new TemplateError(`${where}: bad condition "{{#${raw}}}"`);
  return m[2] ? { name: m[1], op: m[2] as Cond['op'], value: m[3].trim() } : { name: m[1] };
}

function parseVar(raw: string, where: string): Node {
  const [name, ...filters] = raw.split('|').map((s) => s.trim());
  if (!NAME.test(name)) throw new TemplateError(`${where}: bad placeholder "{{${raw}}}"`);
  return {
    t: 'var',
    name,
    filters: filters.map((f) => {
      const [fname, arg] = f.split(':').map((s) => s.trim());
      if (fname === 'time' && arg === undefined) return { name: 'time' };
      if (fname === 'label' && arg && NAME.test(arg)) return { name: 'label', arg };
      throw new TemplateError(`${where}: unknown filter "${f}" in "{{${raw}}}" (use |time or |label:<table>)`);
    }),
  };
}

/** Compiles a template; errors name the file and the tag. */
export function compile(src: string, where: string): Node[] {
  const root: Node[] = [];
  const stack: Array<{ raw: string; nodes: Node[] }> = [{ raw: '', nodes: root }];
  let last = 0;
  for (const m of src.matchAll(TAG)) {
    const top = stack[stack.length - 1];
    if (m.index > last) top.nodes.push({ t: 'text', s: src.slice(last, m.index) });
    last = m.index + m[0].length;
    const sigil = m[1];
    const raw = m[2].trim();
    if (sigil === '#' || sigil === '^') {
      const section: Node = { t: 'section', cond: parseCond(raw, where), inverted: sigil === '^', children: [] };
      top.nodes.push(section);
      stack.push({ raw, nodes: section.children });
    } else if (sigil === '/') {
      if (stack.length === 1 || top.raw !== raw) throw new TemplateError(`${where}: "{{/${raw}}}" closes nothing open`);
      stack.pop();
    } else if (sigil === '>') {
      if (!NAME.test(raw)) throw new TemplateError(`${where}: bad partial "{{>${raw}}}"`);
      top.nodes.push({ t: 'partial', name: raw });
    } else {
      top.nodes.push(parseVar(raw, where));
    }
  }
  if (stack.length > 1) throw new TemplateError(`${where}: "{{#${stack[stack.length - 1].raw}}}" is not closed`);
  if (last < src.length) root.push({ t: 'text', s: src.slice(last) });
  return root;
}

// ---------------------------------------------------------------------------------------------
// Loading the files
// ---------------------------------------------------------------------------------------------

const commonFile = z.strictObject({
  partials: z.record(z.string().regex(NAME), z.string()),
  time: z.string(),
  zones: z.record(z.string(), z.string()),
  labels: z.record(z.string().regex(NAME), z.record(z.string(), z.string())),
  emailFooter: z.string(),
  recipients: z.string(),
});
const kindFile = z.strictObject({ subject: z.string().min(1), body: z.string().min(1) });

interface LocaleTemplates {
  partials: Record<string, Node[]>;
  time: Node[];
  zones: Record<string, string>;
  labels: Record<string, Record<string, string>>;
  emailFooter: Node[];
  recipients: Node[];
  kinds: Map<string, { subject: Node[]; body: Node[] }>;
}

export interface TemplateSet {
  dir: string;
  locales: Map<TemplateLocale, LocaleTemplates>;
}

function readYaml(file: string): unknown {
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) throw new TemplateError(`${file}: YAML syntax error: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS();
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, file: string): T {
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new TemplateError(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** Reads and compiles every template under `dir`; throws TemplateError naming the file on a mistake. */
export function loadTemplates(dir: string = TEMPLATES_DIR): TemplateSet {
  const locales = new Map<TemplateLocale, LocaleTemplates>();
  for (const locale of TEMPLATE_LOCALES) {
    const ldir = path.join(dir, locale);
    const cfile = path.join(ldir, '_common.yaml');
    const common = parseWith(commonFile, readYaml(cfile), cfile);
    const kinds = new Map<string, { subject: Node[]; body: Node[] }>();
    for (const f of fs.readdirSync(ldir).filter((x) => x.endsWith('.yaml') && !x.startsWith('_')).sort()) {
      const file = path.join(ldir, f);
      const t = parseWith(kindFile, readYaml(file), file);
      kinds.set(f.replace(/\.yaml$/, ''), { subject: compile(t.subject, `${file}: subject`), body: compile(t.body, `${file}: body`) });
    }
    locales.set(locale, {
      partials: Object.fromEntries(Object.entries(common.partials).map(([k, v]) => [k, compile(v, `${cfile}: partials.${k}`)])),
      time: compile(common.time, `${cfile}: time`),
      zones: common.zones,
      labels: common.labels,
      emailFooter: compile(common.emailFooter, `${cfile}: emailFooter`),
      recipients: compile(common.recipients, `${cfile}: recipients`),
      kinds,
    });
  }
  return { dir, locales };
}

let defaultSet: TemplateSet | undefined;

/** The templates of notifications/templates, read once per process. */
export function defaultTemplates(): TemplateSet {
  defaultSet ??= loadTemplates();
  return defaultSet;
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

export interface RenderOptions {
  timeZone?: string;
  templates?: TemplateSet;
}

function str(v: Value): string {
  return v === null || v === undefined ? '' : String(v);
}

function truthy(v: Value): boolean {
  return v !== null && v !== undefined && v !== '' && v !== false;
}

function meets(c: Cond, values: Values): boolean {
  const v = values[c.name];
  switch (c.op) {
    case undefined:
      return truthy(v);
    case '=':
      return str(v) === c.value;
    case '!=':
      return str(v) !== c.value;
    case '>=':
      return truthy(v) && Number(v) >= Number(c.value);
    case '<=':
      return truthy(v) && Number(v) <= Number(c.value);
  }
}

function run(nodes: Node[], values: Values, lt: LocaleTemplates, timeZone: string, depth = 0): string {
  if (depth > 8) throw new TemplateError('partials nested too deeply (a partial including itself?)');
  let out = '';
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        out += n.s;
        break;
      case 'partial': {
        const p = lt.partials[n.name];
        if (!p) throw new TemplateError(`unknown partial "${n.name}"`);
        out += run(p, values, lt, timeZone, depth + 1);
        break;
      }
      case 'section':
        if (meets(n.cond, values) !== n.inverted) out += run(n.children, values, lt, timeZone, depth);
        break;
      case 'var': {
        let v: Value = values[n.name];
        for (const f of n.filters) {
          if (!truthy(v)) break;
          if (f.name === 'time') {
            v = run(lt.time, { time: formatLocalTime(str(v), timeZone), zone: lt.zones[timeZone] ?? timeZone }, lt, timeZone, depth + 1);
          } else {
            v = lt.labels[f.arg!]?.[str(v)] ?? str(v);
          }
        }
        // A variable's value is text from people (titles, comments, reasons): what could not be
        // stored or sent (NUL, unpaired surrogates, control characters) never reaches a message.
        out += storableText(str(v));
        break;
      }
    }
  }
  return out;
}

function localeTemplates(set: TemplateSet, locale: TemplateLocale): LocaleTemplates {
  const lt = set.locales.get(locale) ?? set.locales.get('zh-CN');
  if (!lt) throw new TemplateError(`no templates for ${locale} in ${set.dir}`);
  return lt;
}

/** True when a template for `kind` exists (in the locale, or in Chinese as the fallback). */
export function hasTemplate(kind: string, locale: TemplateLocale = 'zh-CN', set: TemplateSet = defaultTemplates()): boolean {
  return !!(set.locales.get(locale)?.kinds.has(kind) || set.locales.get('zh-CN')?.kinds.has(kind));
}

/** Renders the template of `kind` in the locale (falling back to Chinese when it has none). */
export function renderTemplate(kind: string, locale: TemplateLocale, values: Values, opts: RenderOptions = {}): RenderedMessage {
  const set = opts.templates ?? defaultTemplates();
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE;
  let lt = localeTemplates(set, locale);
  let t = lt.kinds.get(kind);
  if (!t) {
    lt = localeTemplates(set, 'zh-CN');
    t = lt.kinds.get(kind);
  }
  if (!t) throw new TemplateError(`no template for message kind "${kind}" in ${set.dir}`);
  return { subject: run(t.subject, values, lt, tz).trim(), body: run(t.body, values, lt, tz).trim() };
}

/** The shared pieces of a locale: the e-mail footer, and the "to: …" line of a group robot message. */
export function renderCommon(piece: 'emailFooter' | 'recipients', locale: TemplateLocale, values: Values, opts: RenderOptions = {}): string {
  const lt = localeTemplates(opts.templates ?? defaultTemplates(), locale);
  return run(lt[piece], values, lt, opts.timeZone ?? DEFAULT_TIME_ZONE).trim();
}

/**
 * A message about a notice: what happened, which notice and unit, the deadline in local time, what
 * to do, and the link. The values are the context plus the event's parameters.
 */
export function renderMessage(kind: MessageKind, ctx: MessageContext, locale: string, opts: RenderOptions = {}): RenderedMessage {
  const values: Values = {
    ...ctx.params,
    noticeId: ctx.noticeId,
    title: ctx.title,
    unitName: ctx.unitName,
    severity: ctx.severity,
    link: ctx.link,
  };
  return renderTemplate(kind, templateLocale(locale), values, opts);
}

/** A message about an accountability proposal: which proposal and unit, the Art. 7 situation, the link. */
export function renderProposalMessage(kind: ProposalMessageKind, ctx: ProposalMessageContext, locale: string, opts: RenderOptions = {}): RenderedMessage {
  const values: Values = { ...ctx.params, proposalId: ctx.proposalId, unitName: ctx.unitName, trigger: ctx.trigger, link: ctx.link };
  return renderTemplate(kind, templateLocale(locale), values, opts);
}
