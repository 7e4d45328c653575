-- The entries a filter matches ('' and NULL do not restrict) after an id,
-- at most $7 of them (all when NULL). Newest first, accounts.go turns
-- "id > $1" into "id < $1" and the order into DESC.
SELECT id, at, actor, action, target, client, COALESCE(detail::text, '')
FROM audit_log
WHERE id > $1
  AND ($2 = '' OR actor = $2)
  AND ($3 = '' OR action = $3)
  AND ($4 = '' OR target = $4)
  AND ($5::timestamptz IS NULL OR at >= $5)
  AND ($6::timestamptz IS NULL OR at <= $6)
ORDER BY id
LIMIT $7
