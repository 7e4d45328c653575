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

-- A page filtered by governorate or Badia region walks the matching rows
-- in id order and stops when the page is full, instead of walking every id
-- (or sorting every match) and testing each row: the key (governorate, id)
-- also serves every lookup (governorate) served.
DROP INDEX incidents_governorate_idx;
CREATE INDEX incidents_governorate_idx ON incidents (governorate, id);
DROP INDEX incidents_region_idx;
CREATE INDEX incidents_region_idx ON incidents (region, id);

ANALYZE incidents;
