-- Rows whose point lies in another governorate than their source names
-- (points in no governorate have none to compare: their row in
-- import_regions is missing or its governorate null).
SELECT s.external_id, s.source_governorate, m.governorate
FROM import_staging AS s
JOIN import_regions AS m ON m.seq = s.seq
WHERE s.source_governorate <> '' AND m.governorate <> '' AND s.source_governorate <> m.governorate
ORDER BY s.seq
