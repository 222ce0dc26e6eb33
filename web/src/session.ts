// Who is signed in, and how: a server session (cookie + CSRF token, GET /api/auth/session) where the
// server offers sign-in, else a bearer token kept in this tab (servers without session sign-in).
// Roles always come from GET /api/me, which reads the organisation on every request.
import { reactive } from 'vue';
import { ApiError, api, get, getToken, isMissing, setCsrfToken, setToken } from './api';

export interface UnitRole {
  unitId: string;
  role: string;
}

export interface Me {
  id: string;
  name: string;
  university: string[];
  units: UnitRole[];
  roleLabels: Array<{ zh: string; en: string; unitId?: string }>;
}

export interface AuthConfig {
  methods: Array<'oidc' | 'cas' | 'dev'>;
  signInUrl?: string;
}

export const session = reactive<{
  me: Me | null;
  /** 'session' (cookie), 'token' (bearer in this tab), or null before the first check. */
  mode: 'session' | 'token' | null;
  expiresAt: string | null;
  /** Why the person was sent to sign in ('expired', 'signedOut'), shown there. */
  notice: string | null;
}>({ me: null, mode: null, expiresAt: null, notice: null });

/** Tries the server session first, then a token in this tab. Resolves to whether someone is signed in. */
export async function loadSession(): Promise<boolean> {
  try {
    const s = await get<{ csrfToken: string; expiresAt: string }>('/api/auth/session', { quiet401: true });
    setCsrfToken(s.csrfToken);
    session.mode = 'session';
    session.expiresAt = s.expiresAt;
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 401 && !isMissing(err))) throw err;
    if (!getToken()) {
      session.me = null;
      return false;
    }
    session.mode = 'token';
  }
  try {
    session.me = await get<Me>('/api/me', { quiet401: true });
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      if (session.mode === 'token') session.notice = 'expired';
      setToken(null);
      session.me = null;
      return false;
    }
    throw err;
  }
}

export async function signInWithToken(token: string): Promise<void> {
  setToken(token.trim());
  try {
    session.mode = 'token';
    session.me = await get<Me>('/api/me', { quiet401: true });
  } catch (err) {
    setToken(null);
    session.me = null;
    throw err;
  }
}

export async function signOut(): Promise<void> {
  if (session.mode === 'session') {
    try {
      await api('POST', '/api/auth/signout', undefined, { quiet401: true });
    } catch {
      // the session is gone either way
    }
  }
  setToken(null);
  setCsrfToken(null);
  session.me = null;
  session.mode = null;
  session.notice = 'signedOut';
}

export function forget(reason: string): void {
  setToken(null);
  setCsrfToken(null);
  session.me = null;
  session.notice = reason;
}

// Role questions the screens ask (the API still decides; these only choose what to show).
export function hasRole(role: string): boolean {
  const me = session.me;
  return !!me && (me.university.includes(role) || me.units.some((u) => u.role === role));
}

export function unitRole(unitId: string, roles: string[]): boolean {
  return !!session.me?.units.some((u) => u.unitId === unitId && roles.includes(u.role));
}

export const UNIT_ACTOR_ROLES = ['liaison', 'direct_responsible', 'first_responsible'];
export const READ_ALL_ROLES = ['office', 'party_secretary', 'cybersecurity_leader', 'party_committee', 'discipline_committee', 'inspection_office', 'audit_office'];
export const AUDITOR_ROLES = ['office', 'inspection_office', 'audit_office'];
/** Who reads incidents and the register (domain/access.ts: incident.read, system.read). */
export const INCIDENT_READERS = [...READ_ALL_ROLES, 'supervising_leader', ...UNIT_ACTOR_ROLES, 'leadership_member'];
export const LEADER_ROLES = ['office', 'party_secretary', 'cybersecurity_leader', 'supervising_leader'];

export function anyRole(roles: string[]): boolean {
  return roles.some(hasRole);
}
