/**
 * The browser sign-in configuration (api/session.ts) from the validated environment
 * (config/env.ts; README "Configuration" and "Sign-in"), for the composition root.
 */
import { durationSec, type Env } from '../config/env';
import type { SignInConfig } from '../api/session';

export function signInConfig(env: Env): SignInConfig {
  const base = env.PUBLIC_URL.replace(/\/$/, '');
  return {
    publicUrl: env.PUBLIC_URL,
    idleTimeoutSec: durationSec(env.SESSION_IDLE_TIMEOUT),
    absoluteTimeoutSec: durationSec(env.SESSION_ABSOLUTE_TIMEOUT),
    embedded: env.AUTH_EMBEDDED,
    browser: env.AUTH_BROWSER,
    oidc:
      env.AUTH_BROWSER === 'oidc' && env.OIDC_ISSUER && env.OIDC_CLIENT_ID
        ? {
            issuer: env.OIDC_ISSUER,
            clientId: env.OIDC_CLIENT_ID,
            clientSecret: env.OIDC_CLIENT_SECRET,
            redirectUri: env.OIDC_REDIRECT_URI ?? `${base}/api/auth/callback`,
            scopes: env.OIDC_SCOPES,
            postLogoutRedirectUri: env.OIDC_POST_LOGOUT_REDIRECT_URI ?? `${base}/`,
            subjectClaim: env.OIDC_SUBJECT_CLAIM,
            personMatch: env.OIDC_PERSON_MATCH,
            algorithms: env.OIDC_ALGORITHMS,
            clockToleranceSec: env.OIDC_CLOCK_SKEW_SECONDS,
            jwksUrl: env.OIDC_JWKS_URL,
          }
        : undefined,
    cas:
      env.AUTH_BROWSER === 'cas' && env.CAS_BASE_URL
        ? {
            baseUrl: env.CAS_BASE_URL,
            serviceUrl: `${base}/api/auth/cas/callback`,
            userAttribute: env.CAS_USER_ATTRIBUTE,
            personMatch: env.CAS_PERSON_MATCH,
          }
        : undefined,
  };
}
