-- Whether an incident (of any status) has this external id.
SELECT EXISTS (SELECT 1 FROM incidents WHERE external_id = $1)
