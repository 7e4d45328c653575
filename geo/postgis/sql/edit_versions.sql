-- Every superseded version of an incident.
SELECT /*VERSION_COLUMNS*/ FROM incident_versions WHERE id = $1 ORDER BY version
