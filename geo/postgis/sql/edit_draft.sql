-- The pending draft of changes to an incident, locked for an edit.
SELECT /*VERSION_COLUMNS*/ FROM incident_drafts WHERE id = $1 FOR UPDATE
