-- The published changes (versions public reads saw: published or
-- retracted) of the incidents whose record the filter matches (its
-- statuses name published and retracted), after change $+1, at most $+2.
-- Each table is walked in change_seq order on its index, so a page costs
-- its length, not the history: a current record is matched as it is, an
-- older version by its incident's current record.
SELECT * FROM (
    (SELECT /*VERSION_COLUMNS*/, change_seq FROM incidents
     WHERE status IN ('published', 'retracted') AND change_seq > $+1::bigint AND /*FILTER*/
     ORDER BY change_seq LIMIT $+2::bigint)
    UNION ALL
    (SELECT /*VERSION_COLUMNS*/, change_seq FROM incident_versions AS v
     WHERE status IN ('published', 'retracted') AND change_seq > $+1::bigint
       AND EXISTS (SELECT FROM incidents WHERE incidents.id = v.id AND /*FILTER*/)
     ORDER BY change_seq LIMIT $+2::bigint)
) AS c
ORDER BY change_seq
LIMIT $+2::bigint
