-- The identity provider names people by a claim (e.g. a staff number); it maps to a person here.
ALTER TABLE people ADD COLUMN staff_no text;
CREATE UNIQUE INDEX people_staff_no ON people (staff_no) WHERE staff_no IS NOT NULL;
