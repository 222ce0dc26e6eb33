-- The audit trail (Art. 10): every write through the API and every recorded workflow event, every
-- refused login and every export, appended in one hash chain. Entry n carries the hash of entry
-- n-1 (prev_hash) and its own hash over its canonical form (domain/audit-chain.ts, README "Audit
-- trail"), so a removed, altered or reordered entry is detected at that entry.
--
-- seq is 1, 2, 3 … with no gaps: appends take pg_advisory_xact_lock(724502), read the head and
-- insert head + 1 in one transaction (db/audit.ts), so the chain never forks.
-- idempotency_key is set on entries written by workflow activities (notice:<id>:<seq>,
-- proposal:<id>:<seq>): a retried activity finds its entry and appends nothing.
CREATE TABLE audit_log (
  seq              bigint PRIMARY KEY CHECK (seq >= 1),
  at               timestamptz NOT NULL,
  actor_id         text,
  action           text NOT NULL,
  target_type      text,
  target_id        text,
  request_id       text,
  outcome          text NOT NULL,
  details          jsonb NOT NULL DEFAULT '{}',
  idempotency_key  text UNIQUE,
  prev_hash        text NOT NULL,
  hash             text NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq DESC);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq DESC);
CREATE INDEX audit_log_action ON audit_log (action, seq DESC);
CREATE INDEX audit_log_at ON audit_log (at);

-- Append-only for the application: UPDATE, DELETE and TRUNCATE are refused. The table's owner can
-- still disable the trigger; that is what the hash chain is for.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
