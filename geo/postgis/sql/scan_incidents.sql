-- Keyset page: ids after $+1, at most $+2 rows (NULL: all).
SELECT /*COLUMNS*/
FROM incidents
WHERE /*FILTER*/
  AND id > $+1::bigint
ORDER BY id
LIMIT $+2::bigint
