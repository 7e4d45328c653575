-- Substring filters served by an index (perpetrator=, q=).
--
-- No btree serves "contains": a page filtered by a rare perpetrator walked
-- every id and tested every row, 1 s at a million incidents for 55 matches
-- (bench/README.md). Trigram GIN indexes on the lowered text find the rows
-- that hold a pattern's trigrams; sql/filter.sql writes each substring as
-- an escaped LIKE on the same lower() expression so the planner can use
-- them. A pattern under three characters has no trigram and walks as before.
-- ANALYZE keeps statistics of each index's expression, which the planner
-- needs to tell a rare substring from a common one (a bulk import analyzes
-- after it rebuilds them).
-- pg_trgm is a trusted extension: the owner of the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX incidents_perpetrator_trgm_idx ON incidents USING gin (lower(perpetrator) gin_trgm_ops);
CREATE INDEX incidents_location_name_trgm_idx ON incidents USING gin (lower(location_name) gin_trgm_ops);
CREATE INDEX incidents_notes_trgm_idx ON incidents USING gin (lower(notes) gin_trgm_ops);

