// The API client: Bearer token from sessionStorage, JSON in and out, errors as ApiError carrying the
// API's own message ("中文 / English") and field details. A 401 anywhere signs the person out.

import { t } from './i18n.js';

const TOKEN_KEY = 'cyberduty.token';

export class ApiError extends Error {
  constructor(status, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.details = Array.isArray(details) ? details : [];
  }
}

let unauthorized = () => undefined;

/** Called with the ApiError when the API answers 401 (no, bad or expired token). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
}

async function send(method, path, { body, headers } = {}) {
  const token = getToken();
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, t('common.networkError'));
  }
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    const err = new ApiError(res.status, data && typeof data.error === 'string' ? data.error : `HTTP ${res.status}`, data?.details);
    if (res.status === 401) unauthorized(err);
    throw err;
  }
  return res;
}

/** A JSON call; resolves to the parsed body (null for 204). */
export async function api(method, path, options) {
  const res = await send(method, path, options);
  if (res.status === 204) return null;
  return res.json();
}

/** Downloads a file the API serves (with the token) and saves it under `filename`. */
export async function download(path, filename) {
  const res = await send('GET', path, { headers: { Accept: '*/*' } });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Builds a query string from the defined, non-empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
