-- The secondary indexes of incidents (not the primary key, not the unique
-- external id, which a bulk write handles as a constraint), with their
-- definitions, so a bulk write can drop them and rebuild them exactly as the
-- migrations made them.
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
WHERE i.indrelid = 'incidents'::regclass AND NOT i.indisunique AND NOT i.indisprimary
ORDER BY c.relname
