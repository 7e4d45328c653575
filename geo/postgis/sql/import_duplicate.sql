-- The first external id that comes more than once in the batch, if any.
SELECT external_id, count(*), min(seq)
FROM import_staging
GROUP BY external_id
HAVING count(*) > 1
ORDER BY min(seq)
LIMIT 1
