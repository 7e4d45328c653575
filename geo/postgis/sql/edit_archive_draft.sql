-- Keep a pending draft as a superseded version, and drop it.
WITH kept AS (
    INSERT INTO incident_versions (/*STORED*/)
    SELECT /*STORED*/ FROM incident_drafts WHERE id = $1
    RETURNING id
)
DELETE FROM incident_drafts WHERE id IN (SELECT id FROM kept)
