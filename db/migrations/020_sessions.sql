-- Browser sessions (README "Sign-in"): the backend-for-frontend keeps the identity provider's
-- tokens here and gives the browser only an opaque HttpOnly cookie. The cookie's value is never
-- stored: only its SHA-256, so a copy of this table signs nobody in.
CREATE TABLE auth_sessions (
  id_hash text PRIMARY KEY,
  person_id text NOT NULL REFERENCES people(id),
  method text NOT NULL CHECK (method IN ('dev', 'oidc', 'cas')),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- The absolute end; the idle end is last_seen_at + the configured idle timeout.
  expires_at timestamptz NOT NULL,
  -- What the identity provider gave (OIDC tokens; the CAS user and attributes); null for dev.
  id_token text,
  access_token text,
  refresh_token text,
  token_expires_at timestamptz,
  idp_subject text,
  ended_at timestamptz,
  ended_reason text
);
CREATE INDEX auth_sessions_person ON auth_sessions (person_id) WHERE ended_at IS NULL;
CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at);

-- A sign-in under way: what the callback must find again (state, nonce, PKCE verifier, where to go
-- back), bound to the browser that started it by the hash of a short-lived cookie. Used once.
CREATE TABLE auth_login_attempts (
  id_hash text PRIMARY KEY,
  method text NOT NULL CHECK (method IN ('oidc', 'cas')),
  state text NOT NULL,
  nonce text,
  code_verifier text,
  return_to text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX auth_login_attempts_expires ON auth_login_attempts (expires_at);
