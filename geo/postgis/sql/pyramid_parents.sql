-- The cells of level $1 in the key ranges $2[i] <= key < $3[i], summed
-- from their four children at level $1 + 1 (keys key * 4 to key * 4 + 3);
-- the five deadliest of a cell are the first five of its children's. One
-- pass over the children's deadliest (a child's sums counted on its first
-- one only): no join of two aggregates, which under pyramid_settings.sql
-- (no hash or merge joins) would be a nested loop over every pair. Each
-- range's children are read on their own (the lateral subquery, kept apart
-- by OFFSET 0), never by a scan of their whole level.
INSERT INTO tile_cells (level, key, n, sum_x, sum_y, killed, military, militia, isis, other_armed,
    civilians, children, women, truffle_gatherers, unknown, injured, abducted, first_date, last_date,
    top_ids, top_killed)
SELECT $1::smallint, c.key >> 2,
    sum(c.n) FILTER (WHERE u.ord = 1), sum(c.sum_x) FILTER (WHERE u.ord = 1), sum(c.sum_y) FILTER (WHERE u.ord = 1),
    sum(c.killed) FILTER (WHERE u.ord = 1), sum(c.military) FILTER (WHERE u.ord = 1),
    sum(c.militia) FILTER (WHERE u.ord = 1), sum(c.isis) FILTER (WHERE u.ord = 1),
    sum(c.other_armed) FILTER (WHERE u.ord = 1), sum(c.civilians) FILTER (WHERE u.ord = 1),
    sum(c.children) FILTER (WHERE u.ord = 1), sum(c.women) FILTER (WHERE u.ord = 1),
    sum(c.truffle_gatherers) FILTER (WHERE u.ord = 1), sum(c.unknown) FILTER (WHERE u.ord = 1),
    sum(c.injured) FILTER (WHERE u.ord = 1), sum(c.abducted) FILTER (WHERE u.ord = 1),
    min(c.first_date), max(c.last_date),
    (array_agg(u.id ORDER BY u.killed DESC, u.id))[1:5], (array_agg(u.killed ORDER BY u.killed DESC, u.id))[1:5]
FROM unnest($2::bigint[], $3::bigint[]) AS r (lo, hi)
CROSS JOIN LATERAL (
    SELECT key, n, sum_x, sum_y, killed, military, militia, isis, other_armed, civilians, children, women,
        truffle_gatherers, unknown, injured, abducted, first_date, last_date, top_ids, top_killed
    FROM tile_cells
    WHERE level = $1::smallint + 1 AND key >= r.lo * 4 AND key < r.hi * 4
    OFFSET 0) AS c
CROSS JOIN LATERAL unnest(c.top_ids, c.top_killed) WITH ORDINALITY AS u (id, killed, ord)
GROUP BY 2
