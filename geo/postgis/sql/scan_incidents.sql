-- Every incident the filter matches after id $+1, in id order: a download
-- (a page of them is sql/page_incidents.sql).
SELECT /*COLUMNS*/
FROM incidents
WHERE /*FILTER*/
  AND id > $+1::bigint
ORDER BY id
