-- Incidents (网络安全事件, Art. 7) and the information-system register (信息系统台账). As for
-- notices, the incident tables hold a projection of each incident workflow's state, written by its
-- record activity (idempotent on (incident_id, seq)).

-- The register, kept by the office per unit. `import_key` makes a re-import of the same sheet
-- update the rows it created instead of adding new ones (owner unit + name + host).
CREATE TABLE information_systems (
  id               text PRIMARY KEY,
  unit_id          text NOT NULL REFERENCES units(id),
  name             text NOT NULL,
  host             text NOT NULL,
  contact          text NOT NULL DEFAULT '',
  important        boolean NOT NULL DEFAULT false,
  protection_level int NOT NULL CHECK (protection_level BETWEEN 1 AND 5),
  cii              boolean NOT NULL DEFAULT false,
  status           text NOT NULL CHECK (status IN ('in_service', 'suspended', 'retired')),
  import_key       text NOT NULL UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  updated_by       text
);
CREATE INDEX information_systems_unit ON information_systems (unit_id, name);

CREATE TABLE system_counters (
  id    int PRIMARY KEY CHECK (id = 1),
  last  int NOT NULL
);

CREATE TABLE incident_counters (
  year  int PRIMARY KEY,
  last  int NOT NULL
);

CREATE TABLE incident_requests (
  idempotency_key  text PRIMARY KEY,
  incident_id      text NOT NULL,
  request_digest   text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE incidents (
  id            text PRIMARY KEY,
  workflow_id   text NOT NULL UNIQUE,
  unit_id       text NOT NULL REFERENCES units(id),
  title         text NOT NULL,
  type          text NOT NULL,
  grade         text NOT NULL,
  status        text NOT NULL,
  source        text NOT NULL,
  system_ids    text[] NOT NULL DEFAULT '{}',
  started_at    timestamptz NOT NULL,
  detected_at   timestamptz NOT NULL,
  report_due    timestamptz NOT NULL,
  reported_at   timestamptz,
  late          boolean NOT NULL DEFAULT false,
  recorded_at   timestamptz NOT NULL,
  closed_at     timestamptz,
  version       int NOT NULL,
  state         jsonb NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX incidents_unit ON incidents (unit_id, detected_at DESC);
CREATE INDEX incidents_unit_type ON incidents (unit_id, type, detected_at);

CREATE TABLE incident_events (
  incident_id  text NOT NULL REFERENCES incidents(id),
  seq          int NOT NULL,
  type         text NOT NULL,
  actor_id     text,
  at           timestamptz NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (incident_id, seq)
);

-- Notices opened from (or linked to) an incident: the link read from both sides.
CREATE TABLE incident_notice_links (
  incident_id  text NOT NULL REFERENCES incidents(id),
  notice_id    text NOT NULL REFERENCES notices(id),
  linked_by    text NOT NULL,
  linked_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, notice_id)
);
CREATE INDEX incident_notice_links_notice ON incident_notice_links (notice_id);

-- Every accountability trigger that fired (Art. 7): one row per rule and facts. The primary key is
-- what makes "no trigger fires twice for the same facts" hold across retries and restarts.
CREATE TABLE trigger_firings (
  dedupe_key   text PRIMARY KEY,
  rule         text NOT NULL,
  article      text NOT NULL,
  unit_id      text NOT NULL REFERENCES units(id),
  incident_id  text,
  notice_id    text,
  proposal_id  text NOT NULL,
  facts        jsonb NOT NULL,
  fired_by     text NOT NULL,
  fired_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trigger_firings_unit ON trigger_firings (unit_id, fired_at DESC);

-- Proposals opened by a trigger carry origin 'trigger'.
ALTER TABLE accountability_proposals DROP CONSTRAINT accountability_proposals_origin_kind_check;
ALTER TABLE accountability_proposals ADD CONSTRAINT accountability_proposals_origin_kind_check
  CHECK (origin_kind IN ('office', 'escalation', 'trigger'));
