-- How many staged external ids are already stored: each is an update,
-- whether or not its fields change.
SELECT count(*) FROM import_staging AS s WHERE EXISTS (SELECT 1 FROM incidents AS i WHERE i.external_id = s.external_id)
