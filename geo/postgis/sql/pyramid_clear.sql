-- Cells of level $1 with keys in the ranges $2[i] <= key < $3[i], to be
-- counted again.
DELETE FROM tile_cells AS c
USING unnest($2::bigint[], $3::bigint[]) AS r (lo, hi)
WHERE c.level = $1::smallint AND c.key >= r.lo AND c.key < r.hi
