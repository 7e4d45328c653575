-- The cells of a tile's cluster grid from the pyramid: level $1 (the tile's
-- zoom + 6), keys $2 <= key < $3 (the tile's range at that level).
SELECT key, n, sum_x, sum_y, killed, military, militia, isis, other_armed, civilians, children,
    women, truffle_gatherers, unknown, injured, abducted, first_date, last_date, top_ids, top_killed
FROM tile_cells
WHERE level = $1::smallint AND key >= $2::bigint AND key < $3::bigint
