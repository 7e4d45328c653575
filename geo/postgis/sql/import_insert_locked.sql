-- New external ids, in the order they were added, so ids follow the file,
-- for a bulk import holding the incidents table locked: no other import
-- can add the same id meanwhile, so the plain insert needs no ON CONFLICT
-- (whose speculative insertion nearly doubles the cost of each row).
-- The JOINED marker stands for import_join over the staged rows not yet stored.
INSERT INTO incidents (external_id, date_start, date_end, date_precision, geom, geo_precision,
    location_name, source_admin1, source_admin2, source_governorate, governorate, region,
    event_type, sub_event_type, perpetrator, target,
    killed_military, killed_militia, killed_isis, killed_other_armed, killed_civilians,
    killed_children, killed_women, killed_truffle_gatherers, killed_unknown, injured, abducted,
    deaths_low, deaths_best, deaths_high, sources, notes)
SELECT j.external_id, j.date_start, j.date_end, j.date_precision, j.geom, j.geo_precision,
    j.location_name, j.source_admin1, j.source_admin2, j.source_governorate, j.governorate, j.region,
    j.event_type, j.sub_event_type, j.perpetrator, j.target,
    j.killed_military, j.killed_militia, j.killed_isis, j.killed_other_armed, j.killed_civilians,
    j.killed_children, j.killed_women, j.killed_truffle_gatherers, j.killed_unknown, j.injured, j.abducted,
    j.deaths_low, j.deaths_best, j.deaths_high, j.sources, j.notes
FROM (/*JOINED*/) AS j
ORDER BY j.seq
