-- Existing external ids keep their id and get the new fields. Rows whose
-- fields are all the same are left alone: a repeated import writes nothing.
-- import_updates holds them, joined to their regions by the importer.
UPDATE incidents AS i SET
    date_start = j.date_start, date_end = j.date_end, date_precision = j.date_precision,
    geom = j.geom, geo_precision = j.geo_precision, location_name = j.location_name,
    source_admin1 = j.source_admin1, source_admin2 = j.source_admin2,
    source_governorate = j.source_governorate, governorate = j.governorate, region = j.region,
    event_type = j.event_type, sub_event_type = j.sub_event_type,
    perpetrator = j.perpetrator, target = j.target,
    killed_military = j.killed_military, killed_militia = j.killed_militia,
    killed_isis = j.killed_isis, killed_other_armed = j.killed_other_armed,
    killed_civilians = j.killed_civilians, killed_children = j.killed_children,
    killed_women = j.killed_women, killed_truffle_gatherers = j.killed_truffle_gatherers,
    killed_unknown = j.killed_unknown, injured = j.injured, abducted = j.abducted,
    deaths_low = j.deaths_low, deaths_best = j.deaths_best, deaths_high = j.deaths_high,
    sources = j.sources, notes = j.notes, join_basis = j.join_basis,
    illustrative = j.illustrative, updated_at = now()
FROM import_updates AS j
WHERE i.external_id = j.external_id
  AND (i.date_start, i.date_end, i.date_precision, i.geom, i.geo_precision, i.location_name,
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
