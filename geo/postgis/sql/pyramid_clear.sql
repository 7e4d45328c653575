-- Cells of level $1 with keys in the ranges $2[i] <= key < $3[i], to be
-- counted again: each range read on its own from the primary key (the
-- lateral subquery), then deleted by row address. Joined to the ranges,
-- two ranges made the planner scan the whole level (360,000 cells at a
-- million incidents) for a write of one incident.
DELETE FROM tile_cells
WHERE ctid = ANY (ARRAY(
    SELECT k.ctid
    FROM unnest($2::bigint[], $3::bigint[]) AS r (lo, hi)
    CROSS JOIN LATERAL (
        SELECT ctid FROM tile_cells
        WHERE level = $1::smallint AND key >= r.lo AND key < r.hi
        OFFSET 0) AS k))
