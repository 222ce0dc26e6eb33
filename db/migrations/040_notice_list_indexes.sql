-- Indexes for the notice list at scale (bench/reads.ts; README "Benchmarks: reads at scale").
-- The list orders by (issued_at DESC, id DESC) and takes one page: with 100,000 notices, the
-- plans were a parallel seq scan + top-N sort for the office's list (all units), a bitmap scan
-- + sort of the unit's 4,000 rows for a unit's list, and a seq scan for the overdue filter (no
-- index at all). Each index below lets that page be read in order and stop after 20 rows; the
-- overdue ones are partial, as few notices are overdue at a time. The count beside each page
-- (`total`) is served by the same indexes (index-only scans).
CREATE INDEX notices_issued ON notices (issued_at DESC, id DESC);
CREATE INDEX notices_unit_issued ON notices (unit_id, issued_at DESC, id DESC);
CREATE INDEX notices_status_issued ON notices (status, issued_at DESC, id DESC);
CREATE INDEX notices_overdue_issued ON notices (issued_at DESC, id DESC) WHERE overdue IS NOT NULL;
CREATE INDEX notices_unit_overdue_issued ON notices (unit_id, issued_at DESC, id DESC) WHERE overdue IS NOT NULL;
-- Superseded by the ones above (same leading columns, plus the id tie-break).
DROP INDEX notices_unit;
DROP INDEX notices_status;
