-- Staged rows (the STAGED marker: a row source with the columns of import_staging)
-- as points joined to their governorate and Badia region, lowest code
-- first where regions overlap. Each point looks its pieces up through the
-- region_parts GiST index: no intermediate table is written.
SELECT s.*, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom,
       coalesce(m.governorate, '') AS governorate, coalesce(m.region, '') AS region
FROM /*STAGED*/ AS s
LEFT JOIN LATERAL (
    SELECT min(p.code COLLATE "C") FILTER (WHERE p.kind = 'governorate') AS governorate,
           min(p.code COLLATE "C") FILTER (WHERE p.kind = 'badia') AS region
    FROM region_parts AS p
    WHERE p.kind IN ('governorate', 'badia')
      AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326))
) AS m ON true
