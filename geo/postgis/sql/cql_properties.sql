-- The queryables of CQL2 filters (package geo/incidentcql), one a line as
-- "expression AS name": the column expression each property name compiles
-- to, valued as geo/incidentcql values it (sql/cql.go checks that every
-- queryable has a line). Unqualified, as sql/filter.sql is, so a filter fits
-- every query that reads incidents under any alias. The period is
-- INTERVAL(date_start, date_end) and needs no line.
external_id AS external_id
date_start AS date_start
date_end AS date_end
date_precision AS date_precision
geo_precision AS geo_precision
location_name AS location_name
source_admin1 AS source_admin1
source_admin2 AS source_admin2
source_governorate AS source_governorate
governorate AS governorate
region AS region
join_basis AS join_basis
event_type AS event_type
sub_event_type AS sub_event_type
perpetrator AS perpetrator
target AS target
killed AS killed
killed_military AS military
killed_militia AS militia
killed_isis AS isis
killed_other_armed AS other_armed
killed_civilians AS civilians
killed_children AS children
killed_women AS women
killed_truffle_gatherers AS truffle_gatherers
killed_unknown AS unknown
injured AS injured
abducted AS abducted
deaths_low AS deaths_low
deaths_best AS deaths_best
deaths_high AS deaths_high
notes AS notes
illustrative AS illustrative
created_at AS created_at
updated_at AS updated_at
geom AS geometry
