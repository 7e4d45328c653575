-- Each point's governorate and Badia region, lowest code first where
-- regions overlap; points in no region have no row. The loop runs over the
-- region pieces and looks the points up in their GiST index, so each
-- piece's polygon stays prepared (cached) across all the points it is
-- tested against (a lookup per point costs several times more).
CREATE TEMP TABLE import_regions ON COMMIT DROP AS
SELECT x.seq,
       min(p.code COLLATE "C") FILTER (WHERE p.kind = 'governorate') AS governorate,
       min(p.code COLLATE "C") FILTER (WHERE p.kind = 'badia') AS region
FROM region_parts AS p
JOIN import_points AS x ON ST_Intersects(p.geom, x.geom)
WHERE p.kind IN ('governorate', 'badia')
GROUP BY x.seq
