-- Keyset page: ids after $16, at most $17 rows (NULL: all).
SELECT /*COLUMNS*/
FROM incidents
WHERE /*FILTER*/
  AND id > $16::bigint
ORDER BY id
LIMIT $17::bigint
