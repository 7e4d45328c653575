-- One tile's regions of kind $1 as layer $2, tile $3/$4/$5: clipped to the
-- tile with a 64-unit margin, then simplified to one tile unit (4096 per
-- tile side), both on the stored geom_3857.
WITH box AS (
    SELECT e, ST_Expand(e, (ST_XMax(e) - ST_XMin(e)) * 64.0 / 4096) AS clip,
           (ST_XMax(e) - ST_XMin(e)) / 4096 AS unit
    FROM (SELECT ST_TileEnvelope($3::integer, $4::integer, $5::integer) AS e) AS t
)
SELECT ST_AsMVT(f, $2::text, 4096, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_ClipByBox2D(r.geom_3857, box.clip), box.unit),
               box.e, 4096, 64, true) AS geom,
        r.code, r.kind, r.name_en, r.name_ar, r.parent, r.area_km2
    FROM regions AS r, box
    WHERE r.kind = $1::text AND r.geom_3857 && box.clip
    ORDER BY r.code COLLATE "C") AS f
