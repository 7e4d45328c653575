-- Keyset page: ids after $+1, at most $+2 rows. The ids are found first,
-- from the filter's columns alone, so the walk can be an index-only scan
-- (migrations/0013_page_walk.sql); only the rows of the page are read
-- from the table.
SELECT /*COLUMNS*/
FROM incidents
WHERE id = ANY (ARRAY(
    SELECT id
    FROM incidents
    WHERE /*FILTER*/
      AND id > $+1::bigint
    ORDER BY id
    LIMIT $+2::bigint))
ORDER BY id
