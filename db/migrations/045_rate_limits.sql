-- Rate-limit counters shared by every API instance on one PostgreSQL (api/rate-store.ts): one row
-- per key (a person, or a client address for refused sign-ons) and limiter, a fixed window.
CREATE TABLE rate_limit_hits (
  key       text PRIMARY KEY,
  hits      int NOT NULL,
  reset_at  timestamptz NOT NULL
);
CREATE INDEX rate_limit_hits_reset ON rate_limit_hits (reset_at);
