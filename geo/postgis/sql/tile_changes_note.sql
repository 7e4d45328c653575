-- The tiles a write changed, noted under the data version $1 it commits:
-- z $2[i], x $3[i], y $4[i] (z = -1 for a write that changed no tile).
INSERT INTO tile_changes (version, z, x, y)
SELECT $1::bigint, c.z, c.x, c.y FROM unnest($2::smallint[], $3::integer[], $4::integer[]) AS c (z, x, y)
