-- Take out every incident the filter matches (the demo's removal), with
-- its versions and drafts; ids are never drawn again.
WITH gone AS (
    SELECT id FROM incidents WHERE /*FILTER*/
), drafts AS (
    DELETE FROM incident_drafts WHERE id IN (SELECT id FROM gone)
), versions AS (
    DELETE FROM incident_versions WHERE id IN (SELECT id FROM gone)
)
DELETE FROM incidents WHERE id IN (SELECT id FROM gone)
