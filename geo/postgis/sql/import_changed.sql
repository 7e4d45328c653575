-- The stored incidents an import changes (rows with every field the same
-- are left alone), with the number of the version the import makes: one
-- past the head, a pending draft included. The import archives and
-- supersedes from this list, then updates.
CREATE TEMP TABLE import_changed ON COMMIT DROP AS
SELECT i.id, greatest(i.version, coalesce(d.version, 0)) + 1 AS next_version
FROM incidents AS i
JOIN import_updates AS j ON i.external_id = j.external_id
LEFT JOIN incident_drafts AS d ON d.id = i.id
WHERE (i.date_start, i.date_end, i.date_precision, i.geom, i.geo_precision, i.location_name,
       i.source_admin1, i.source_admin2, i.source_governorate, i.governorate, i.region,
       i.event_type, i.sub_event_type, i.perpetrator, i.target,
       i.killed_military, i.killed_militia, i.killed_isis, i.killed_other_armed, i.killed_civilians,
       i.killed_children, i.killed_women, i.killed_truffle_gatherers, i.killed_unknown, i.injured,
       i.abducted, i.deaths_low, i.deaths_best, i.deaths_high, i.sources, i.notes, i.join_basis,
       i.illustrative)
      IS DISTINCT FROM
      (j.date_start, j.date_end, j.date_precision, j.geom, j.geo_precision, j.location_name,
       j.source_admin1, j.source_admin2, j.source_governorate, j.governorate, j.region,
       j.event_type, j.sub_event_type, j.perpetrator, j.target,
       j.killed_military, j.killed_militia, j.killed_isis, j.killed_other_armed, j.killed_civilians,
       j.killed_children, j.killed_women, j.killed_truffle_gatherers, j.killed_unknown, j.injured,
       j.abducted, j.deaths_low, j.deaths_best, j.deaths_high, j.sources, j.notes, j.join_basis,
       j.illustrative)
