SELECT code, kind, name_en, name_ar, parent, ST_AsBinary(geom), area_km2, source, attribution
FROM regions
WHERE ($1::text[] IS NULL OR kind = ANY ($1::text[]))
ORDER BY code COLLATE "C"
