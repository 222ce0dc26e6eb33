-- Delegations (代理人): a deputy who may decide escalations for a leader, from the organisation
-- file's `delegations`. Stored as role assignments of role `delegate` naming the leader in
-- for_person_id, so they are effective-dated and closed/opened by imports like every other role.
ALTER TABLE role_assignments ADD COLUMN for_person_id text REFERENCES people(id);
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_delegate_for
  CHECK ((role = 'delegate') = (for_person_id IS NOT NULL));
CREATE INDEX role_assignments_for_person ON role_assignments (for_person_id, valid_from) WHERE for_person_id IS NOT NULL;

-- The delegates of an escalation's pending step (only where the notice's policy allows them).
ALTER TABLE escalations ADD COLUMN delegates text[] NOT NULL DEFAULT '{}';
