-- The cells of level $1 in the key ranges $2[i] <= key < $3[i], summed
-- from their four children at level $1 + 1 (keys key * 4 to key * 4 + 3);
-- the five deadliest of a cell are the first five of its children's.
WITH kids AS (
    SELECT c.*
    FROM unnest($2::bigint[], $3::bigint[]) AS r (lo, hi)
    JOIN tile_cells AS c ON c.level = $1::smallint + 1 AND c.key >= r.lo * 4 AND c.key < r.hi * 4
), sums AS (
    SELECT key >> 2 AS key, sum(n) AS n, sum(sum_x) AS sum_x, sum(sum_y) AS sum_y, sum(killed) AS killed,
        sum(military) AS military, sum(militia) AS militia, sum(isis) AS isis, sum(other_armed) AS other_armed,
        sum(civilians) AS civilians, sum(children) AS children, sum(women) AS women,
        sum(truffle_gatherers) AS truffle_gatherers, sum(unknown) AS unknown, sum(injured) AS injured,
        sum(abducted) AS abducted, min(first_date) AS first_date, max(last_date) AS last_date
    FROM kids
    GROUP BY 1
), tops AS (
    SELECT t.key, (array_agg(t.id ORDER BY t.killed DESC, t.id))[1:5] AS top_ids,
        (array_agg(t.killed ORDER BY t.killed DESC, t.id))[1:5] AS top_killed
    FROM (SELECT k.key >> 2 AS key, u.id, u.killed
          FROM kids AS k CROSS JOIN LATERAL unnest(k.top_ids, k.top_killed) AS u (id, killed)) AS t
    GROUP BY t.key
)
INSERT INTO tile_cells (level, key, n, sum_x, sum_y, killed, military, militia, isis, other_armed,
    civilians, children, women, truffle_gatherers, unknown, injured, abducted, first_date, last_date,
    top_ids, top_killed)
SELECT $1::smallint, s.key, s.n, s.sum_x, s.sum_y, s.killed, s.military, s.militia, s.isis, s.other_armed,
    s.civilians, s.children, s.women, s.truffle_gatherers, s.unknown, s.injured, s.abducted,
    s.first_date, s.last_date, t.top_ids, t.top_killed
FROM sums AS s JOIN tops AS t ON t.key = s.key
