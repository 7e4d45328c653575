-- Existing external ids keep their id and get the new fields, as a new
-- version by the import's author; import_changed lists the rows that
-- differ (a repeated import writes nothing). import_updates holds them,
-- joined to their regions by the importer.
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
    illustrative = j.illustrative, updated_at = now(),
    version = c.next_version, version_action = 'import', version_author = j.version_author,
    version_at = now(), version_comment = '', change_seq = nextval('incident_change_seq')
FROM import_updates AS j, import_changed AS c
WHERE i.external_id = j.external_id AND c.id = i.id
