-- New external ids, in the order they were added, so ids follow the file.
-- The JOINED marker stands for import_join over the staged rows not yet stored.
-- Only new rows draw from the id sequence (no gaps from updates); ON CONFLICT
-- covers a concurrent import adding the same id meanwhile.
WITH ins AS (
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
    ON CONFLICT (external_id) DO UPDATE SET
        date_start = excluded.date_start, date_end = excluded.date_end,
        date_precision = excluded.date_precision, geom = excluded.geom,
        geo_precision = excluded.geo_precision, location_name = excluded.location_name,
        source_admin1 = excluded.source_admin1, source_admin2 = excluded.source_admin2,
        source_governorate = excluded.source_governorate, governorate = excluded.governorate,
        region = excluded.region, event_type = excluded.event_type,
        sub_event_type = excluded.sub_event_type, perpetrator = excluded.perpetrator,
        target = excluded.target, killed_military = excluded.killed_military,
        killed_militia = excluded.killed_militia, killed_isis = excluded.killed_isis,
        killed_other_armed = excluded.killed_other_armed, killed_civilians = excluded.killed_civilians,
        killed_children = excluded.killed_children, killed_women = excluded.killed_women,
        killed_truffle_gatherers = excluded.killed_truffle_gatherers,
        killed_unknown = excluded.killed_unknown, injured = excluded.injured,
        abducted = excluded.abducted, deaths_low = excluded.deaths_low,
        deaths_best = excluded.deaths_best, deaths_high = excluded.deaths_high,
        sources = excluded.sources, notes = excluded.notes, updated_at = now()
    -- xmax is 0 on a freshly inserted row and set on one the conflict updated.
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM ins
