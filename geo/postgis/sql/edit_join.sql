-- The join of one point by the precision rule (migration 0007's functions):
-- $1/$2 longitude/latitude, $3 the location precision, $4 the governorate
-- the source names. As rejoin_changes.sql joins every stored incident.
WITH p AS (
    SELECT ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326) AS geom,
           located_class($3::integer) AS located,
           EXISTS (SELECT 1 FROM regions WHERE kind = 'governorate' AND code = $4::text AND $4::text <> '') AS held
), m AS (
    SELECT coalesce(min(r.code COLLATE "C") FILTER (WHERE r.kind = 'governorate'), '') AS governorate,
           coalesce(min(r.code COLLATE "C") FILTER (WHERE r.kind = 'badia'), '') AS region
    FROM p, region_parts AS r
    WHERE p.located <> 'country' AND r.kind IN ('governorate', 'badia') AND ST_Intersects(r.geom, p.geom)
)
SELECT joined_governorate(p.located, $4::text, p.held, m.governorate),
       joined_region(p.located, m.region),
       join_basis_of(p.located, p.held)
FROM p, m
