-- The staged rows as points.
CREATE TEMP TABLE import_points ON COMMIT DROP AS
SELECT *, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
FROM import_staging
