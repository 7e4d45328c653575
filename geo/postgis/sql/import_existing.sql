-- How many staged external ids are already stored: each is an update,
-- whether or not its fields change.
SELECT count(*) FROM import_joined AS j WHERE EXISTS (SELECT 1 FROM incidents AS i WHERE i.external_id = j.external_id)
