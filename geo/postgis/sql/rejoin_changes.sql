-- The incidents whose governorate or Badia region changes under the current
-- regions, set-based: the loop runs over the region pieces and finds the
-- points through their GiST index, so each piece stays prepared (cached).
CREATE TEMP TABLE rejoin_changes ON COMMIT DROP AS
SELECT x.id, coalesce(m.governorate, '') AS governorate, coalesce(m.region, '') AS region
FROM incidents AS x
LEFT JOIN (
    SELECT y.id,
           min(p.code COLLATE "C") FILTER (WHERE p.kind = 'governorate') AS governorate,
           min(p.code COLLATE "C") FILTER (WHERE p.kind = 'badia') AS region
    FROM region_parts AS p
    JOIN incidents AS y ON ST_Intersects(p.geom, y.geom)
    WHERE p.kind IN ('governorate', 'badia')
    GROUP BY y.id
) AS m ON m.id = x.id
WHERE x.governorate <> coalesce(m.governorate, '') OR x.region <> coalesce(m.region, '')
