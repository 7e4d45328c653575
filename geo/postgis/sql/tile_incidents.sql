-- One tile's incident features: filter $1-$15, tile $16/$17/$18, at most $19
-- features (killed descending, then id). An incident belongs to the tile whose
-- box holds it with the west and north edges in and the east and south edges
-- out, read from the stored geom_3857: no row is transformed. Returns how
-- many matched, the "incidents" layer and, when the limit cut some, the
-- "tile_info" layer.
WITH box AS (/*ENVELOPE*/),
kept AS (
    SELECT i.id, count(*) OVER () AS matched
    FROM incidents AS i, box
    WHERE i.geom_3857 && box.e
      AND ST_X(i.geom_3857) >= box.minx AND ST_X(i.geom_3857) < box.maxx
      AND ST_Y(i.geom_3857) > box.miny AND ST_Y(i.geom_3857) <= box.maxy
      AND /*FILTER*/
    ORDER BY i.killed DESC, i.id
    LIMIT $19::bigint
),
counts AS (
    SELECT coalesce(max(matched), 0) AS matched, count(*) AS returned FROM kept
)
SELECT counts.matched,
    (SELECT ST_AsMVT(f, 'incidents', 4096, 'geom', 'id') FROM (
        SELECT i.id, ST_AsMVTGeom(i.geom_3857, box.e, 4096, 0, false) AS geom,
            /*TILE_PROPERTIES*/
        FROM kept JOIN incidents AS i ON i.id = kept.id, box
        ORDER BY i.killed DESC, i.id) AS f),
    (SELECT ST_AsMVT(f, 'tile_info', 4096, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Centroid(box.e), box.e, 4096, 0, false) AS geom,
            'incidents'::text AS layer, counts.matched, counts.returned, true AS truncated
        FROM box WHERE counts.matched > counts.returned) AS f)
FROM counts
