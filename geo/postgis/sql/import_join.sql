-- Each point joined to its governorate and Badia region, lowest code first
-- where regions overlap. The loop runs over the region pieces and looks the
-- points up in their GiST index, so each piece's polygon stays prepared
-- (cached) across all the points it is tested against.
CREATE TEMP TABLE import_joined ON COMMIT DROP AS
SELECT s.*, coalesce(m.governorate, '') AS governorate, coalesce(m.region, '') AS region
FROM import_points AS s
LEFT JOIN (
    SELECT x.seq,
           min(p.code COLLATE "C") FILTER (WHERE p.kind = 'governorate') AS governorate,
           min(p.code COLLATE "C") FILTER (WHERE p.kind = 'badia') AS region
    FROM region_parts AS p
    JOIN import_points AS x ON ST_Intersects(p.geom, x.geom)
    WHERE p.kind IN ('governorate', 'badia')
    GROUP BY x.seq
) AS m ON m.seq = s.seq
