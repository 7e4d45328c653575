-- The heads that are drafts: pending drafts and unpublished incidents the
-- filter matches (its statuses name draft), after id $+1, at most $+2; each
-- with the version public reads see of it (NULL when none).
SELECT /*VERSION_COLUMNS*/, published
FROM (SELECT d.*, p.version AS published
      FROM incident_drafts AS d LEFT JOIN incidents AS p ON p.id = d.id AND p.status = 'published'
      UNION ALL
      SELECT *, NULL::integer FROM incidents WHERE status = 'draft') AS heads
WHERE /*FILTER*/
  AND id > $+1::bigint
ORDER BY id
LIMIT $+2::bigint
