-- Small pieces of the new regions for fast point joins: ST_Subdivide keeps
-- each piece under 64 vertices, so a point test touches few edges.
INSERT INTO region_parts (code, kind, geom)
SELECT code, kind, ST_Subdivide(ST_CollectionExtract(ST_MakeValid(geom), 3), 64)
FROM regions
WHERE kind = ANY ($1::text[])
