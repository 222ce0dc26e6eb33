-- Full-text search on notices' title and description (GET /api/notices?q=), on PostgreSQL 15 and
-- PGlite alike, without extensions: Chinese has no word boundaries for tsvector and pg_trgm is not
-- everywhere, so each notice keeps the set of its character bigrams in a GIN-indexed array. A query
-- of two or more characters must contain all its bigrams (the index narrows), and strpos on the
-- lower-cased text confirms the exact substring.
CREATE FUNCTION notice_search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}'::text[])
  FROM (SELECT substr(lower(t), i, 2) AS g FROM generate_series(1, length(t) - 1) AS i) AS grams
$$;

ALTER TABLE notices
  ADD COLUMN search_text text GENERATED ALWAYS AS (lower(title || ' ' || coalesce(state->>'description', ''))) STORED;
ALTER TABLE notices
  ADD COLUMN search_grams text[] GENERATED ALWAYS AS (notice_search_grams(title || ' ' || coalesce(state->>'description', ''))) STORED;
CREATE INDEX notices_search_grams ON notices USING gin (search_grams);
