-- Plans for pages of incidents at a million rows (issue 19).
--
-- The bbox filter (sql/filter.sql) keeps a point by its exact coordinates,
-- ST_X(geom) and ST_Y(geom), after the GiST index finds candidates. Without
-- statistics on those expressions the planner takes each range for 0.5% of
-- the table, expects a handful of rows where a box over the Badia holds
-- hundreds of thousands, and reads the whole table to sort them by id
-- instead of walking the primary key until a page is full.
CREATE STATISTICS incidents_lonlat_stats ON (ST_X(geom)), (ST_Y(geom)) FROM incidents;

-- Every answer says how many of its incidents are illustrative (the demo):
-- a count over the few illustrative rows, not over everything the filter
-- matches.
CREATE INDEX incidents_illustrative_idx ON incidents (id) WHERE illustrative;

ANALYZE incidents;
