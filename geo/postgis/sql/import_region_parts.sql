-- The governorate and Badia pieces an import joins its points to in Go,
-- ordered by code as the SQL join's min(code COLLATE "C") orders them.
SELECT code, kind, ST_AsBinary(geom)
FROM region_parts
WHERE kind IN ('governorate', 'badia')
ORDER BY code COLLATE "C"
