-- The unique constraints of incidents other than the primary key (the
-- external id), with their definitions: a bulk write drops them with the
-- secondary indexes and adds them back, so each index is built by one sort
-- (which also checks uniqueness once) instead of a lookup per row.
SELECT conname, pg_get_constraintdef(oid)
FROM pg_constraint
WHERE conrelid = 'incidents'::regclass AND contype = 'u'
ORDER BY conname
