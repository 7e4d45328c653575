id, external_id, date_start, date_end, date_precision, ST_X(geom), ST_Y(geom), geo_precision,
location_name, source_admin1, source_admin2, source_governorate, governorate, region,
event_type, sub_event_type, perpetrator, target,
killed_military, killed_militia, killed_isis, killed_other_armed, killed_civilians,
killed_children, killed_women, killed_truffle_gatherers, killed_unknown, injured, abducted,
deaths_low, deaths_best, deaths_high, sources::text, notes, created_at, updated_at,
join_basis, illustrative, status, version
