-- Rows whose point lies in another governorate than their source names.
SELECT external_id, source_governorate, governorate
FROM import_joined
WHERE source_governorate <> '' AND governorate <> '' AND source_governorate <> governorate
ORDER BY seq
