-- Take out every incident the filter matches (the demo's removal), with
-- its versions and drafts; ids are never drawn again. Returns where each
-- was and whether tiles drew it.
WITH gone AS (
    SELECT id FROM incidents WHERE /*FILTER*/
), drafts AS (
    DELETE FROM incident_drafts WHERE id IN (SELECT id FROM gone)
), versions AS (
    DELETE FROM incident_versions WHERE id IN (SELECT id FROM gone)
)
DELETE FROM incidents WHERE id IN (SELECT id FROM gone)
RETURNING ST_X(geom_3857), ST_Y(geom_3857), status = 'published' AND geo_precision <= 3
