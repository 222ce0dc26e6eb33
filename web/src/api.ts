// The API client: JSON in and out, only to /api. Signed in with the session cookie (HttpOnly, set
// by the server's sign-in) and the CSRF token it hands out, sent on every state-changing request;
// or, where the server has no session sign-in, with a bearer token kept in this tab. Errors are
// ApiError with the API's own message ("中文 / English"); a 401 anywhere signs the person out.

const TOKEN_KEY = 'cyberduty.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown[] = [],
    /** The whole answer, for the pages that show more of it (an import's refused rows). */
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let unauthorized: (err: ApiError) => void = () => undefined;

export function onUnauthorized(handler: (err: ApiError) => void): void {
  unauthorized = handler;
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function send(method: Method, path: string, opts: { body?: unknown; headers?: Record<string, string>; quiet401?: boolean } = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, '无法连接服务器，请检查网络后重试 / Cannot reach the server');
  }
  if (!res.ok) {
    const data = (await res.json().catch(() => null)) as { error?: unknown; details?: unknown } | null;
    const message = data && typeof data.error === 'string' ? data.error : `HTTP ${res.status}`;
    const err = new ApiError(res.status, message, Array.isArray(data?.details) ? data.details : [], data);
    if (res.status === 401 && !opts.quiet401) unauthorized(err);
    throw err;
  }
  return res;
}

/** A JSON call; resolves to the parsed body (null for 204). */
export async function api<T = unknown>(method: Method, path: string, body?: unknown, opts: { headers?: Record<string, string>; quiet401?: boolean } = {}): Promise<T> {
  const res = await send(method, path, { body, ...opts });
  if (res.status === 204) return null as T;
  return (await res.json()) as T;
}

export const get = <T = unknown>(path: string, opts?: { quiet401?: boolean }) => api<T>('GET', path, undefined, opts);

/** Not landed yet on this server (another engineer's endpoint): the page says so instead of failing. */
export function isMissing(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && /没有这个接口|No such endpoint/.test(err.message);
}

/**
 * Downloads a file the API serves and saves it under `filename` (by default the name the server
 * gives in Content-Disposition); resolves to the answer's headers (e.g. the audit export's head).
 */
export async function download(path: string, filename?: string): Promise<Headers> {
  const res = await send('GET', path, { headers: { Accept: '*/*' } });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename ?? /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'download';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return res.headers;
}

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined | Array<string | null>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined && one !== null && one !== '') q.set(k, String(one));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A random key for Idempotency-Key headers (a repeated click or retry issues one notice). */
export function idempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A file as base64 (evidence travels in JSON). */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result.replace(/^data:[^,]*,/, '') : '');
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}
