INSERT INTO report_claims (report_id, ord, scope, metric, value, "where")
SELECT $1, c.ord, c.scope, c.metric, c.value, c.w
FROM unnest($2::integer[], $3::text[], $4::text[], $5::integer[], $6::text[]) AS c (ord, scope, metric, value, w)
