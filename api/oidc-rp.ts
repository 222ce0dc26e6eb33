/**
 * The API as an OpenID Connect relying party for browsers (README "Sign-in"): the authorization code
 * flow with PKCE (RFC 7636, S256), state and nonce, as a confidential client of the university's
 * identity provider, per the BFF pattern of OAuth 2.0 for Browser-Based Applications (RFC 10017).
 * The provider is found by discovery (its `issuer` must be exactly the configured one); the ID
 * token is verified with jose against the provider's JWKS as OIDC Core 3.1.3.7 asks: signature with
 * pinned algorithms, `iss`, `aud` containing the client id (and `azp` when there are several),
 * `exp`/`iat` with a bounded clock skew, and the `nonce` of this sign-in. The authorization
 * response's `iss` (RFC 9207) is checked when the provider sends it, and required when it says it
 * does.
 */
import crypto from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';

export interface OidcClientConfig {
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE only); present: client_secret_basic at the token endpoint. */
  clientSecret?: string;
  /** Registered at the provider: `${PUBLIC_URL}/api/auth/callback` unless configured otherwise. */
  redirectUri: string;
  scopes: string;
  /** Where the provider sends the browser after its own sign-out (registered there too). */
  postLogoutRedirectUri?: string;
  /** The ID token claim that names the person, and which field of a person it matches. */
  subjectClaim: string;
  personMatch: 'id' | 'staffNo' | 'email';
  algorithms: string[];
  clockToleranceSec: number;
  /** Defaults to the discovery document's `jwks_uri`. */
  jwksUrl?: string;
  /** Network timeout of discovery, token and JWKS requests. */
  timeoutMs?: number;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
  authorization_response_iss_parameter_supported?: boolean;
}

/** Why an OIDC sign-in failed: the code in `/signin?error=…` and in the audit trail. */
export type OidcFailure =
  | 'oidc_unavailable'
  | 'oidc_issuer_mismatch'
  | 'oidc_provider_error'
  | 'oidc_token_error'
  | 'oidc_id_token_invalid'
  | 'oidc_nonce_mismatch'
  | 'oidc_no_subject';

export class OidcError extends Error {
  constructor(
    readonly code: OidcFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenSet {
  idToken: string;
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: Date | null;
  claims: JWTPayload & Record<string, unknown>;
}

export interface OidcClient {
  /** Where to send the browser to sign in. */
  authorizationUrl(p: { state: string; nonce: string; codeChallenge: string }): Promise<string>;
  /** Checks the authorization response's `iss` parameter (RFC 9207). */
  checkResponseIssuer(iss: string | undefined): Promise<void>;
  /** Redeems the code (with the PKCE verifier) and verifies the ID token against the nonce. */
  redeem(code: string, codeVerifier: string, nonce: string): Promise<TokenSet>;
  /** The provider's sign-out address for this ID token, when it has one (RP-Initiated Logout). */
  endSessionUrl(idToken: string | null): Promise<string | undefined>;
}

const b64url = (b: Buffer) => b.toString('base64url');

/** A PKCE pair: a 256-bit verifier and its S256 challenge (RFC 7636 §4.1–4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = b64url(crypto.randomBytes(32));
  return { verifier, challenge: b64url(crypto.createHash('sha256').update(verifier, 'ascii').digest()) };
}

const DISCOVERY_TTL_MS = 60 * 60 * 1000;

export function createOidcClient(cfg: OidcClientConfig): OidcClient {
  const timeoutMs = cfg.timeoutMs ?? 10000;
  let cached: { at: number; doc: Discovery; jwks: ReturnType<typeof createRemoteJWKSet> } | null = null;

  async function discover() {
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached;
    const url = `${cfg.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let doc: Discovery;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as Discovery;
    } catch (err) {
      throw new OidcError('oidc_unavailable', `discovery at ${url} failed: ${(err as Error).message}`);
    }
    // OIDC Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (doc.issuer !== cfg.issuer) throw new OidcError('oidc_issuer_mismatch', `discovery names issuer ${String(doc.issuer)}, not ${cfg.issuer}`);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (typeof doc[k] !== 'string') throw new OidcError('oidc_unavailable', `discovery has no ${k}`);
    }
    cached = { at: Date.now(), doc, jwks: createRemoteJWKSet(new URL(cfg.jwksUrl ?? doc.jwks_uri), { timeoutDuration: timeoutMs }) };
    return cached;
  }

  async function verifyIdToken(idToken: string, nonce: string): Promise<TokenSet['claims']> {
    const { jwks } = await discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: cfg.issuer,
        audience: cfg.clientId,
        algorithms: cfg.algorithms,
        clockTolerance: cfg.clockToleranceSec,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      }));
    } catch (err) {
      const why = err instanceof joseErrors.JOSEError ? err.code : (err as Error).message;
      throw new OidcError('oidc_id_token_invalid', `ID token refused: ${why}`);
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if ((aud.length > 1 || payload.azp !== undefined) && payload.azp !== cfg.clientId) {
      throw new OidcError('oidc_id_token_invalid', 'ID token azp is not this client');
    }
    const got = typeof payload.nonce === 'string' ? payload.nonce : '';
    if (got.length !== nonce.length || !crypto.timingSafeEqual(Buffer.from(got), Buffer.from(nonce))) {
      throw new OidcError('oidc_nonce_mismatch', 'ID token nonce is not the one of this sign-in');
    }
    return payload;
  }

  return {
    async authorizationUrl({ state, nonce, codeChallenge }) {
      const { doc } = await discover();
      const url = new URL(doc.authorization_endpoint);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', cfg.clientId);
      url.searchParams.set('redirect_uri', cfg.redirectUri);
      url.searchParams.set('scope', cfg.scopes);
      url.searchParams.set('state', state);
      url.searchParams.set('nonce', nonce);
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      return url.toString();
    },

    async checkResponseIssuer(iss) {
      const { doc } = await discover();
      if (iss === undefined ? doc.authorization_response_iss_parameter_supported === true : iss !== cfg.issuer) {
        throw new OidcError('oidc_issuer_mismatch', `authorization response iss ${String(iss)} is not ${cfg.issuer}`);
      }
    },

    async redeem(code, codeVerifier, nonce) {
      const { doc } = await discover();
      const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: cfg.redirectUri, code_verifier: codeVerifier });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      if (cfg.clientSecret !== undefined) {
        // RFC 6749 §2.3.1: both form-urlencoded before Basic encoding.
        const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
        headers.authorization = `Basic ${Buffer.from(`${enc(cfg.clientId)}:${enc(cfg.clientSecret)}`).toString('base64')}`;
      } else {
        body.set('client_id', cfg.clientId);
      }
      let json: Record<string, unknown>;
      try {
        const res = await fetch(doc.token_endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
        json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        if (!res.ok) throw new Error(`HTTP ${res.status} ${typeof json.error === 'string' ? json.error : ''}`.trim());
      } catch (err) {
        throw new OidcError('oidc_token_error', `token request failed: ${(err as Error).message}`);
      }
      if (typeof json.id_token !== 'string') throw new OidcError('oidc_token_error', 'the token response has no id_token');
      if (typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer' && json.token_type.toLowerCase() !== 'dpop') {
        throw new OidcError('oidc_token_error', `unexpected token_type ${json.token_type}`);
      }
      const claims = await verifyIdToken(json.id_token, nonce);
      const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : null;
      return {
        idToken: json.id_token,
        accessToken: typeof json.access_token === 'string' ? json.access_token : null,
        refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : null,
        expiresAt: expiresIn !== null ? new Date(Date.now() + expiresIn * 1000) : null,
        claims,
      };
    },

    async endSessionUrl(idToken) {
      let doc: Discovery;
      try {
        ({ doc } = await discover());
      } catch {
        return undefined;
      }
      if (!doc.end_session_endpoint) return undefined;
      const url = new URL(doc.end_session_endpoint);
      url.searchParams.set('client_id', cfg.clientId);
      if (idToken) url.searchParams.set('id_token_hint', idToken);
      if (cfg.postLogoutRedirectUri) url.searchParams.set('post_logout_redirect_uri', cfg.postLogoutRedirectUri);
      return url.toString();
    },
  };
}
