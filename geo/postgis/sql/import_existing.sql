-- The external ids already stored, read once at the start of an import to
-- tell updates from new rows.
SELECT external_id FROM incidents
