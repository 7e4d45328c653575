-- Re-join every incident to the current regions, set-based (the loop runs
-- over the region pieces, points found through their GiST index); only the
-- rows whose governorate or Badia region changes are written.
UPDATE incidents AS i
SET governorate = j.governorate, region = j.region
FROM (
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
) AS j
WHERE i.id = j.id AND (i.governorate <> j.governorate OR i.region <> j.region)
