-- One tile's incident features: filter $1-$N, then ($+K is the K-th
-- parameter after it) tile $+1/$+2/$+3 (/*ENV*/ is its envelope), at most $+4 features (killed descending, then id). An
-- incident belongs to the tile whose box holds it with the west and north
-- edges in and the east and south edges out, tested on the stored
-- geom_3857 (no row is transformed) in the form incidents_tile_idx
-- indexes, so an unfiltered tile picks its features from that index alone.
-- The properties marker takes the request's properties
-- (sql/tile_incident_properties.sql). Returns how many matched, the
-- "incidents" layer and, when the limit cut some, the "tile_info" layer.
WITH kept AS (
    SELECT i.id, count(*) OVER () AS matched
    FROM incidents AS i
    WHERE ST_X(i.geom_3857) >= ST_XMin(/*ENV*/) AND ST_X(i.geom_3857) < ST_XMax(/*ENV*/)
      AND ST_Y(i.geom_3857) > ST_YMin(/*ENV*/) AND ST_Y(i.geom_3857) <= ST_YMax(/*ENV*/)
      AND /*FILTER*/
    ORDER BY i.killed DESC, i.id
    LIMIT $+4::bigint
),
counts AS (
    SELECT coalesce(max(matched), 0) AS matched, count(*) AS returned FROM kept
)
SELECT counts.matched,
    (SELECT ST_AsMVT(f, 'incidents', 4096, 'geom', 'id') FROM (
        SELECT i.id, ST_AsMVTGeom(i.geom_3857, /*ENV*/, 4096, 0, false) AS geom
            /*TILE_PROPERTIES*/
        FROM kept JOIN incidents AS i ON i.id = kept.id
        ORDER BY i.killed DESC, i.id) AS f),
    (SELECT ST_AsMVT(f, 'tile_info', 4096, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Centroid(/*ENV*/), /*ENV*/, 4096, 0, false) AS geom,
            'incidents'::text AS layer, counts.matched, counts.returned, true AS truncated
        WHERE counts.matched > counts.returned) AS f)
FROM counts
