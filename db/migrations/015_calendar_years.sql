-- Calendar upkeep without a deploy (issue 12): the office enters a year's holidays and make-up
-- working days (调休) as the State Council publishes them. A year entered here wins over the
-- package and CALENDAR_FILE for that year; API and worker load it, and reload it when it changes.
CREATE TABLE calendar_years (
  year integer PRIMARY KEY,
  holidays jsonb NOT NULL,
  workdays jsonb NOT NULL,
  entered_by text NOT NULL,
  entered_at timestamptz NOT NULL
);
