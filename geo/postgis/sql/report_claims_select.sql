SELECT report_id, scope, metric, value, "where"
FROM report_claims
WHERE report_id = ANY ($1::bigint[])
ORDER BY report_id, ord
