-- The "incidents" layer of a tile: the incidents the filter ($1-$N)
-- matches in the point cells of its plan, given as tile key ranges
-- $+4[i] <= tile_key < $+5[i], for tile $+1/$+2/$+3 (/*ENV*/ is its
-- envelope), killed descending then id. The properties marker takes the
-- request's properties (sql/tile_incident_properties.sql). Each range is
-- read on its own through incidents_tile_key_idx (the lateral subquery,
-- kept apart by OFFSET 0): joined as a whole, the planner would hash the
-- ranges against a scan of the table.
SELECT ST_AsMVT(f, 'incidents', 4096, 'geom', 'id') FROM (
    SELECT i.id, ST_AsMVTGeom(i.geom_3857, /*ENV*/, 4096, 0, false) AS geom
        /*TILE_PROPERTIES*/
    FROM unnest($+4::bigint[], $+5::bigint[]) AS r (lo, hi)
    CROSS JOIN LATERAL (
        SELECT * FROM incidents
        WHERE tile_key >= r.lo AND tile_key < r.hi
          AND status = 'published' AND geo_precision <= 3
          AND /*FILTER*/
        OFFSET 0) AS i
    ORDER BY i.killed DESC, i.id) AS f
