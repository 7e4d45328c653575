-- $1 publisher ('' any), $2 period start, $3 from, $4 to, $5 scope ('' any), $6 id (NULL any)
SELECT r.id, r.external_id, r.publisher, r.title, r.url, r.language, r.published_on, r.published_estimated,
       r.period_start, r.period_end, r.regions_incomplete, r.notes
FROM reports r
WHERE ($1 = '' OR lower(r.publisher) = lower($1))
  AND ($2::date IS NULL OR r.period_start = $2::date)
  AND ($3::date IS NULL OR coalesce(r.period_end, r.published_on, r.period_start) >= $3::date)
  AND ($4::date IS NULL OR r.period_start <= $4::date)
  AND ($5 = '' OR EXISTS (SELECT 1 FROM report_claims c WHERE c.report_id = r.id AND c.scope = $5))
  AND ($6::bigint IS NULL OR r.id = $6::bigint)
ORDER BY r.id
