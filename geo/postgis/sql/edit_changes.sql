-- The published changes (versions public reads saw: published or
-- retracted) of the incidents whose record the filter matches (its
-- statuses name published and retracted), after change $+1, at most $+2.
-- Changes are walked in change_seq order on its indexes and each is kept
-- when its incident matches, so a page costs its length, not the history.
SELECT /*VERSION_COLUMNS*/, change_seq
FROM (SELECT * FROM incidents
      WHERE status IN ('published', 'retracted') AND change_seq > $+1::bigint
      UNION ALL
      SELECT * FROM incident_versions
      WHERE status IN ('published', 'retracted') AND change_seq > $+1::bigint) AS c
WHERE EXISTS (SELECT FROM incidents WHERE incidents.id = c.id AND /*FILTER*/)
ORDER BY change_seq
LIMIT $+2::bigint
