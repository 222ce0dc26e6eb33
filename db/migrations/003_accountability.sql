-- Accountability proposals (问责建议, Art. 7–8). As for notices, the database holds a projection of
-- each proposal workflow's state, written by its record activity (idempotent on (proposal_id, seq)).
CREATE TABLE proposal_counters (
  year  int PRIMARY KEY,
  last  int NOT NULL
);

-- One proposal number per source: `api:<Idempotency-Key>` for the office's requests,
-- `escalation:<notice>:<level>` (or similar) for proposals started by another workflow.
CREATE TABLE proposal_requests (
  source_key      text PRIMARY KEY,
  proposal_id     text NOT NULL,
  request_digest  text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accountability_proposals (
  id           text PRIMARY KEY,
  workflow_id  text NOT NULL UNIQUE,
  unit_id      text NOT NULL REFERENCES units(id),
  status       text NOT NULL,
  trigger      text NOT NULL,
  origin_kind  text NOT NULL CHECK (origin_kind IN ('office', 'escalation')),
  facts_at     timestamptz NOT NULL,
  version      int NOT NULL,
  state        jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX accountability_proposals_status ON accountability_proposals (status, created_at DESC);
CREATE INDEX accountability_proposals_unit ON accountability_proposals (unit_id, created_at DESC);

CREATE TABLE proposal_events (
  proposal_id  text NOT NULL REFERENCES accountability_proposals(id),
  seq          int NOT NULL,
  type         text NOT NULL,
  actor_id     text,
  at           timestamptz NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (proposal_id, seq)
);

-- What the Party Committee and the Discipline Committee decided, per person and for the unit
-- (person_id NULL, responsibility 'collective'): the input of the annual assessment (Art. 9).
CREATE TABLE accountability_outcomes (
  id              bigserial PRIMARY KEY,
  proposal_id     text NOT NULL REFERENCES accountability_proposals(id),
  unit_id         text NOT NULL REFERENCES units(id),
  person_id       text REFERENCES people(id),
  responsibility  text NOT NULL
    CHECK (responsibility IN ('party_concerned', 'cybersecurity_responsible', 'principal_responsible', 'collective')),
  body            text NOT NULL CHECK (body IN ('party_committee', 'discipline_committee')),
  decision        text NOT NULL CHECK (decision IN ('accepted', 'modified', 'declined')),
  measures        text[] NOT NULL DEFAULT '{}',
  review_opened   boolean NOT NULL DEFAULT false,
  decided_at      timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((person_id IS NULL) = (responsibility = 'collective'))
);
-- Written once: a retried record activity inserts nothing twice.
CREATE UNIQUE INDEX accountability_outcomes_once ON accountability_outcomes (proposal_id, body, (COALESCE(person_id, '')));
CREATE INDEX accountability_outcomes_unit ON accountability_outcomes (unit_id, decided_at);
CREATE INDEX accountability_outcomes_person ON accountability_outcomes (person_id, decided_at);
