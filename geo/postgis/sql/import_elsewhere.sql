-- Rows whose point lies in another governorate than their source names.
-- Read back after the write: every staged row is then stored with the
-- governorate its point joins to (unchanged rows already had it).
SELECT s.external_id, s.source_governorate, i.governorate
FROM import_staging AS s
JOIN incidents AS i ON i.external_id = s.external_id
WHERE s.source_governorate <> '' AND i.governorate <> '' AND s.source_governorate <> i.governorate
ORDER BY s.seq
