-- Staged rows (the STAGED marker: a row source with the columns of
-- import_staging) with their point and the regions import_join found.
SELECT s.*, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom,
       coalesce(m.governorate, '') AS governorate, coalesce(m.region, '') AS region
FROM /*STAGED*/ AS s
LEFT JOIN import_regions AS m ON m.seq = s.seq
