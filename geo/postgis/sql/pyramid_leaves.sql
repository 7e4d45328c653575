-- The cells of the pyramid's deepest level $1 in the key ranges $2[i] <=
-- key < $3[i], counted from the drawn incidents (a cell's key is
-- tile_key >> $4), each range read on its own through
-- incidents_tile_key_idx (the lateral subquery, kept apart by OFFSET 0, so
-- the planner does not hash the ranges against a scan of the table).
INSERT INTO tile_cells (level, key, n, sum_x, sum_y, killed, military, militia, isis, other_armed,
    civilians, children, women, truffle_gatherers, unknown, injured, abducted, first_date, last_date,
    top_ids, top_killed)
SELECT $1::smallint, i.tile_key >> $4::integer, count(*), sum(ST_X(i.geom_3857)), sum(ST_Y(i.geom_3857)),
    sum(i.killed), sum(i.killed_military), sum(i.killed_militia), sum(i.killed_isis), sum(i.killed_other_armed),
    sum(i.killed_civilians), sum(i.killed_children), sum(i.killed_women), sum(i.killed_truffle_gatherers),
    sum(i.killed_unknown), sum(i.injured), sum(i.abducted), min(i.date_start), max(i.date_start),
    (array_agg(i.id ORDER BY i.killed DESC, i.id))[1:5], (array_agg(i.killed ORDER BY i.killed DESC, i.id))[1:5]
FROM unnest($2::bigint[], $3::bigint[]) AS r (lo, hi)
CROSS JOIN LATERAL (
    SELECT tile_key, geom_3857, id, killed, killed_military, killed_militia, killed_isis, killed_other_armed,
        killed_civilians, killed_children, killed_women, killed_truffle_gatherers, killed_unknown, injured,
        abducted, date_start
    FROM incidents
    WHERE tile_key >= r.lo << $4::integer AND tile_key < r.hi << $4::integer
      AND status = 'published' AND geo_precision <= 3
    OFFSET 0) AS i
GROUP BY 2
