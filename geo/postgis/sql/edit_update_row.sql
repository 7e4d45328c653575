-- The new version of an incident's record, every stored column bound ($1 is
-- its unchanged id).
UPDATE incidents SET (/*STORED*/) = (/*VALUES*/, nextval('incident_change_seq'))
WHERE id = $1
