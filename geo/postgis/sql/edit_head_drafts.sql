-- The heads that are drafts: pending drafts and unpublished incidents the
-- filter matches (its statuses name draft), after id $+1, at most $+2.
SELECT /*VERSION_COLUMNS*/
FROM (SELECT * FROM incident_drafts UNION ALL SELECT * FROM incidents WHERE status = 'draft') AS heads
WHERE /*FILTER*/
  AND id > $+1::bigint
ORDER BY id
LIMIT $+2::bigint
