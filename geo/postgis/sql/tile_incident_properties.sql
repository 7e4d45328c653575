-- The properties an "incidents" feature may carry (geo.IncidentFields), one
-- a line as "expression AS name", valued as the GeoJSON API writes them; a
-- tile selects the lines its request names. NULL deaths_* are left out of the tile.
i.external_id AS external_id
to_char(i.date_start, 'YYYY-MM-DD') AS date_start
to_char(i.date_end, 'YYYY-MM-DD') AS date_end
i.date_precision::integer AS date_precision
i.geo_precision::integer AS geo_precision
i.location_name AS location_name
i.source_admin1 AS source_admin1
i.source_admin2 AS source_admin2
i.source_governorate AS source_governorate
i.governorate AS governorate
i.region AS region
i.join_basis AS join_basis
i.event_type AS event_type
i.sub_event_type AS sub_event_type
i.perpetrator AS perpetrator
i.target AS target
i.killed AS killed
i.killed_military AS military
i.killed_militia AS militia
i.killed_isis AS isis
i.killed_other_armed AS other_armed
i.killed_civilians AS civilians
i.killed_children AS children
i.killed_women AS women
i.killed_truffle_gatherers AS truffle_gatherers
i.killed_unknown AS unknown
i.injured AS injured
i.abducted AS abducted
i.deaths_low AS deaths_low
i.deaths_best AS deaths_best
i.deaths_high AS deaths_high
i.sources::text AS sources
i.notes AS notes
i.illustrative AS illustrative
regexp_replace(to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\.?0+$', '') || 'Z' AS created_at
regexp_replace(to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '\.?0+$', '') || 'Z' AS updated_at
