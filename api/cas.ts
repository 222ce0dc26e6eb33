/**
 * CAS 3.0 (统一身份认证) as the browser sign-in of many Chinese universities (README "Sign-in"):
 * the browser goes to `${CAS_BASE_URL}/login?service=…`, comes back to our callback with a service
 * ticket, and the API validates it server to server at `/p3/serviceValidate`, whose XML answer is
 * `cas:serviceResponse` with `cas:authenticationSuccess` (`cas:user`, `cas:attributes`) or
 * `cas:authenticationFailure code="…"` (CAS Protocol 3.0 §2.5–2.6, namespace
 * http://www.yale.edu/tp/cas). The XML is read by a small strict parser here: elements, attributes,
 * text, CDATA, comments and the five predefined entities; a DTD (and so any entity expansion or
 * external entity) is refused outright.
 */

export interface CasConfig {
  /** e.g. https://cas.example.edu.cn/cas (without a trailing /login). */
  baseUrl: string;
  /** Our callback, exactly as sent at login and at validation: `${PUBLIC_URL}/api/auth/cas/callback`. */
  serviceUrl: string;
  /** The attribute that names the person; absent = the `cas:user` value. */
  userAttribute?: string;
  /** Which field of a person that value matches. */
  personMatch: 'id' | 'staffNo' | 'email';
  timeoutMs?: number;
}

export type CasFailure = 'cas_unavailable' | 'cas_ticket_invalid' | 'cas_bad_response' | 'cas_no_subject';

export class CasError extends Error {
  constructor(
    readonly code: CasFailure,
    message: string,
    /** The server's own failure code (INVALID_TICKET, INVALID_SERVICE…), for the audit trail. */
    readonly serverCode?: string,
  ) {
    super(message);
  }
}

export interface CasSuccess {
  user: string;
  /** Attributes by local name; CAS attributes may repeat. */
  attributes: Record<string, string[]>;
  /** The value that names the person (the configured attribute, or the user). */
  subject: string;
}

const CAS_NS = 'http://www.yale.edu/tp/cas';
const MAX_RESPONSE_BYTES = 256 * 1024;

const base = (cfg: CasConfig) => cfg.baseUrl.replace(/\/$/, '');

export function casLoginUrl(cfg: CasConfig): string {
  return `${base(cfg)}/login?service=${encodeURIComponent(cfg.serviceUrl)}`;
}

export function casLogoutUrl(cfg: CasConfig, after: string): string {
  return `${base(cfg)}/logout?service=${encodeURIComponent(after)}`;
}

/** A ticket as CAS issues them (ST-…): printable, no separators, at most 256 characters (§3.7). */
export function isTicket(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9._-]{1,256}$/.test(v);
}

export async function validateTicket(cfg: CasConfig, ticket: string): Promise<CasSuccess> {
  const url = `${base(cfg)}/p3/serviceValidate?service=${encodeURIComponent(cfg.serviceUrl)}&ticket=${encodeURIComponent(ticket)}`;
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(cfg.timeoutMs ?? 10000), headers: { accept: 'application/xml, text/xml' }, redirect: 'error' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > MAX_RESPONSE_BYTES) throw new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    throw new CasError('cas_unavailable', `ticket validation at ${base(cfg)}/p3/serviceValidate failed: ${(err as Error).message}`);
  }
  return readServiceResponse(text, cfg.userAttribute);
}

/** Reads a `/p3/serviceValidate` answer; throws CasError on a failure or anything unexpected. */
export function readServiceResponse(xml: string, userAttribute?: string): CasSuccess {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    throw new CasError('cas_bad_response', `not XML: ${(err as Error).message}`);
  }
  if (root.ns !== CAS_NS || root.local !== 'serviceResponse') throw new CasError('cas_bad_response', 'not a cas:serviceResponse');
  const inCas = (e: XmlElement) => e.ns === CAS_NS;
  const failure = root.children.find((e) => inCas(e) && e.local === 'authenticationFailure');
  if (failure) {
    throw new CasError('cas_ticket_invalid', `CAS refused the ticket: ${failure.text.trim().slice(0, 200)}`, failure.attrs.code?.slice(0, 64));
  }
  const success = root.children.find((e) => inCas(e) && e.local === 'authenticationSuccess');
  if (!success) throw new CasError('cas_bad_response', 'neither authenticationSuccess nor authenticationFailure');
  const userEl = success.children.find((e) => inCas(e) && e.local === 'user');
  const user = userEl?.text.trim() ?? '';
  if (!user) throw new CasError('cas_bad_response', 'authenticationSuccess without cas:user');
  const attributes: Record<string, string[]> = {};
  const attrsEl = success.children.find((e) => inCas(e) && e.local === 'attributes');
  for (const a of attrsEl?.children ?? []) {
    (attributes[a.local] ??= []).push(a.text.trim());
  }
  const subject = userAttribute ? attributes[userAttribute]?.[0] : user;
  if (!subject) throw new CasError('cas_no_subject', `the attribute ${userAttribute ?? ''} is missing from the CAS answer`);
  return { user, attributes, subject };
}

// ---- A small strict XML reader ----

export interface XmlElement {
  /** The qualified name as written (`cas:user`). */
  name: string;
  local: string;
  /** The namespace URI its prefix (or the default namespace) names; '' for none. */
  ns: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), children's text excluded. */
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const MAX_DEPTH = 32;

function decodeEntities(s: string): string {
  return s.replace(/&([^;&\s]{1,10});/g, (_m, e: string) => {
    if (e in ENTITIES) return ENTITIES[e];
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : e.startsWith('#') ? parseInt(e.slice(1), 10) : NaN;
    if (!Number.isInteger(code) || code < 1 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new Error(`unknown entity &${e};`);
    return String.fromCodePoint(code);
  });
}

function checkText(s: string): string {
  if (/&(?![^;&\s]{1,10};)/.test(s)) throw new Error('a bare & in text');
  return decodeEntities(s);
}

/** Parses one document; throws on anything malformed, on a DTD, and on more than one root. */
export function parseXml(xml: string): XmlElement {
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Array<XmlElement & { scope: Record<string, string> }> = [];
  let root: XmlElement | null = null;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${i}`);
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (text.length > 0) {
      if (stack.length === 0) {
        if (text.trim()) fail('text outside the root element');
      } else {
        stack[stack.length - 1].text += checkText(text);
      }
    }
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i + 9);
      if (end < 0 || stack.length === 0) fail('bad CDATA');
      stack[stack.length - 1].text += xml.slice(i + 9, end);
      i = end + 3;
    } else if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!', i)) {
      fail('DTDs and declarations are not accepted');
    } else if (xml.startsWith('</', i)) {
      const m = NAME.exec(xml.slice(i + 2));
      if (!m) fail('bad end tag');
      const name = m![0];
      i += 2 + name.length;
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml[i] !== '>') fail('bad end tag');
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`end tag ${name} does not close ${open?.name ?? 'anything'}`);
      if (stack.length === 0) root = open!;
    } else {
      const m = NAME.exec(xml.slice(i + 1));
      if (!m) fail('bad start tag');
      if (root) fail('more than one root element');
      if (stack.length >= MAX_DEPTH) fail('nested too deep');
      const name = m![0];
      i += 1 + name.length;
      const attrs: Record<string, string> = {};
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(i))![0].length;
        i += ws;
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (ws === 0) fail('attributes must be separated by spaces');
        const a = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(xml.slice(i));
        if (!a) fail('bad attribute');
        if (a![1] in attrs) fail(`attribute ${a![1]} twice`);
        attrs[a![1]] = checkText(a![3] ?? a![4]);
        i += a![0].length;
      }
      const parentScope = stack.length > 0 ? stack[stack.length - 1].scope : {};
      const scope = { ...parentScope };
      for (const [k, v] of Object.entries(attrs)) {
        if (k === 'xmlns') scope[''] = v;
        else if (k.startsWith('xmlns:')) scope[k.slice(6)] = v;
      }
      const colon = name.indexOf(':');
      const prefix = colon < 0 ? '' : name.slice(0, colon);
      if (prefix && !(prefix in scope)) fail(`undeclared prefix ${prefix}`);
      const el = { name, local: colon < 0 ? name : name.slice(colon + 1), ns: scope[prefix] ?? '', attrs, children: [], text: '', scope };
      if (stack.length > 0) stack[stack.length - 1].children.push(el);
      if (xml.startsWith('/>', i)) {
        i += 2;
        if (stack.length === 0) root = el;
      } else {
        i += 1;
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) fail(`unclosed ${stack[stack.length - 1].name}`);
  if (!root) fail('no root element');
  return root!;
}
