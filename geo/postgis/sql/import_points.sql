-- The staged rows as points, narrow (seq and point only), so the join to
-- regions below reads and indexes as little as possible.
CREATE TEMP TABLE import_points ON COMMIT DROP AS
SELECT seq, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
FROM import_staging
