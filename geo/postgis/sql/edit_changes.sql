-- The published changes (versions public reads saw: published or
-- retracted) of the incidents whose record the filter matches (its
-- statuses name published and retracted), after change $+1, at most $+2.
WITH current AS (
    SELECT id FROM incidents WHERE /*FILTER*/
)
SELECT /*VERSION_COLUMNS*/, change_seq
FROM (SELECT * FROM incidents
      WHERE id IN (SELECT id FROM current) AND status IN ('published', 'retracted') AND change_seq > $+1::bigint
      UNION ALL
      SELECT * FROM incident_versions
      WHERE id IN (SELECT id FROM current) AND status IN ('published', 'retracted') AND change_seq > $+1::bigint) AS c
ORDER BY change_seq
LIMIT $+2::bigint
