-- Notifications that really arrive: every notification is a row in an outbox, written in the same
-- transaction as the in-app inbox rows and keyed by an idempotency key derived from the workflow,
-- the event, the recipient and the channel; a dispatcher in the worker sends the rows, records
-- each attempt, and retries with backoff. See README "Notifications".

-- Work-chat robots (WeCom, DingTalk, Feishu custom robots), per unit (the unit's group chat) or per
-- person (a robot in a chat of their own). The webhook URL carries the robot's access token and the
-- secret signs requests: neither is ever returned by the API.
CREATE TABLE notification_channels (
  id           bigserial PRIMARY KEY,
  scope        text NOT NULL CHECK (scope IN ('unit', 'person')),
  scope_id     text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'feishu')),
  webhook_url  text NOT NULL,
  secret       text,
  enabled      boolean NOT NULL DEFAULT true,
  updated_by   text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (scope, scope_id, kind)
);

-- A person's choice of channels per category of message; no row = the defaults (every channel
-- available to them). The in-app inbox is always on and is not stored here.
CREATE TABLE notification_preferences (
  person_id   text NOT NULL REFERENCES people(id),
  category    text NOT NULL CHECK (category IN ('new_notice', 'reminder', 'escalation', 'decision_needed', 'outcome')),
  channels    text[] NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (person_id, category)
);

-- status: pending (due at next_attempt_at) → sending (claimed, lease until lease_until) → sent;
-- or back to pending with a backoff after a failed attempt; failed after NOTIFY_MAX_ATTEMPTS (or a
-- permanent refusal), visible to the office and retried by hand; cancelled when its robot is gone.
-- In-app rows are written as sent: the inbox row is the delivery.
CREATE TABLE notification_outbox (
  id               bigserial PRIMARY KEY,
  idempotency_key  text NOT NULL UNIQUE,
  channel          text NOT NULL CHECK (channel IN ('inapp', 'email', 'wecom', 'dingtalk', 'feishu')),
  recipient        text NOT NULL,
  person_id        text,
  unit_id          text,
  kind             text NOT NULL,
  category         text NOT NULL,
  ref_kind         text,
  ref_id           text,
  locale           text NOT NULL,
  subject          text NOT NULL,
  body             text NOT NULL,
  link             text,
  payload          jsonb NOT NULL DEFAULT '{}',
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
  attempts         int NOT NULL DEFAULT 0,
  attempts_offset  int NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_owner      text,
  lease_until      timestamptz,
  last_error       text,
  provider_id      text,
  retried_by       text,
  retried_at       timestamptz,
  event_at         timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_outbox_leased ON notification_outbox (lease_until) WHERE status = 'sending';
CREATE INDEX notification_outbox_status ON notification_outbox (status, created_at DESC);
CREATE INDEX notification_outbox_ref ON notification_outbox (ref_kind, ref_id);
CREATE INDEX notification_outbox_person ON notification_outbox (person_id, created_at DESC);

-- One row per attempt: started when claimed, finished with its result. An attempt whose worker died
-- before recording it is closed as lease_expired (its outcome is unknown) when the lease runs out.
CREATE TABLE notification_attempts (
  outbox_id    bigint NOT NULL REFERENCES notification_outbox(id),
  attempt      int NOT NULL,
  worker       text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  result       text NOT NULL CHECK (result IN ('started', 'sent', 'error', 'lease_expired')),
  error        text,
  detail       text,
  PRIMARY KEY (outbox_id, attempt)
);
