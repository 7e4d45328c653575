-- Keep what an import replaces: the version public reads saw, and the
-- pending draft its newer version supersedes (then drop the draft).
WITH kept AS (
    INSERT INTO incident_versions (/*STORED*/)
    SELECT /*STORED*/ FROM incidents WHERE id IN (SELECT id FROM import_changed)
    RETURNING id
), drafts AS (
    INSERT INTO incident_versions (/*STORED*/)
    SELECT /*STORED*/ FROM incident_drafts WHERE id IN (SELECT id FROM import_changed)
    RETURNING id
)
DELETE FROM incident_drafts WHERE id IN (SELECT id FROM drafts)
