-- Organisation: units, people, and effective-dated role assignments (who held which role when).
CREATE TABLE units (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  name_en     text,
  kind        text NOT NULL CHECK (kind IN ('college', 'department', 'affiliated')),
  active      boolean NOT NULL DEFAULT true,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE people (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  email       text,
  phone       text,
  locale      text NOT NULL DEFAULT 'zh-CN',
  active      boolean NOT NULL DEFAULT true,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_imports (
  id           bigserial PRIMARY KEY,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  source       text NOT NULL,
  digest       text NOT NULL,
  summary      jsonb NOT NULL
);

-- role: party_secretary | cybersecurity_leader | office | party_committee | discipline_committee |
-- inspection_office | audit_office (unit_id NULL) and supervising_leader | first_responsible |
-- direct_responsible | liaison | leadership_member (unit_id set).
CREATE TABLE role_assignments (
  id          bigserial PRIMARY KEY,
  person_id   text NOT NULL REFERENCES people(id),
  role        text NOT NULL,
  unit_id     text REFERENCES units(id),
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz,
  opened_by_import bigint REFERENCES org_imports(id),
  closed_by_import bigint REFERENCES org_imports(id),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX role_assignments_person ON role_assignments (person_id, valid_from);
CREATE INDEX role_assignments_unit ON role_assignments (unit_id, role, valid_from);

-- Notices: the database holds a projection of each notice workflow's state, written by the
-- workflow's record activity (idempotent on (notice_id, seq)).
CREATE TABLE notice_counters (
  year  int PRIMARY KEY,
  last  int NOT NULL
);

CREATE TABLE notice_requests (
  idempotency_key  text PRIMARY KEY,
  notice_id        text NOT NULL,
  request_digest   text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notices (
  id               text PRIMARY KEY,
  workflow_id      text NOT NULL UNIQUE,
  unit_id          text NOT NULL REFERENCES units(id),
  title            text NOT NULL,
  category         text NOT NULL,
  severity         text NOT NULL,
  status           text NOT NULL,
  overdue          text,
  acknowledge_by   timestamptz,
  rectify_by       timestamptz,
  issued_by        text NOT NULL,
  issued_at        timestamptz NOT NULL,
  closed_at        timestamptz,
  version          int NOT NULL,
  state            jsonb NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX notices_unit ON notices (unit_id, issued_at DESC);
CREATE INDEX notices_status ON notices (status, issued_at DESC);

CREATE TABLE notice_events (
  notice_id  text NOT NULL REFERENCES notices(id),
  seq        int NOT NULL,
  type       text NOT NULL,
  actor_id   text,
  at         timestamptz NOT NULL,
  data       jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (notice_id, seq)
);

-- Evidence files, content-addressed by SHA-256 (the same file uploaded twice is stored once).
CREATE TABLE evidence_files (
  sha256       text PRIMARY KEY,
  size         int NOT NULL,
  media_type   text NOT NULL,
  content      bytea NOT NULL,
  uploaded_by  text NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now()
);

-- In-app inbox: one row per (message, recipient); dedupe_key makes a retried send a no-op.
CREATE TABLE inbox_messages (
  id          bigserial PRIMARY KEY,
  dedupe_key  text NOT NULL UNIQUE,
  person_id   text NOT NULL REFERENCES people(id),
  kind        text NOT NULL,
  notice_id   text,
  subject     text NOT NULL,
  body        text NOT NULL,
  link        text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX inbox_person ON inbox_messages (person_id, created_at DESC);
