-- Escalations up the leadership chain: a projection of the notice workflow's escalation state,
-- written with the notice's events (version = the event seq that last changed it).
CREATE TABLE escalations (
  id           text PRIMARY KEY,
  notice_id    text NOT NULL REFERENCES notices(id),
  unit_id      text NOT NULL REFERENCES units(id),
  round        int NOT NULL,
  level        int NOT NULL,
  status       text NOT NULL,
  assignee_id  text,
  decide_by    timestamptz,
  asked        text[] NOT NULL DEFAULT '{}',
  started_at   timestamptz NOT NULL,
  ended_at     timestamptz,
  end_reason   text,
  version      int NOT NULL,
  state        jsonb NOT NULL
);
CREATE INDEX escalations_assignee ON escalations (assignee_id, status);
CREATE INDEX escalations_notice ON escalations (notice_id);
