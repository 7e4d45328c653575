-- The WHERE clause of geo.IncidentFilter.Match, parameters $1-$18 (NULL: no
-- restriction; filterArgs binds them, and a query's own parameters follow as
-- $+1, $+2, ...). Plans are made with the values bound, so the NULL branches
-- fold away and the indexes of the set branches are used. The last marker
-- takes the filter's CQL2 condition compiled by cql.go (TRUE without one),
-- its parameters numbered after the query's own.
-- One governorate or region is compared with =, not = ANY: PostgreSQL 15
-- walks the (governorate, id) and (region, id) indexes in id order only
-- for an equality (6 ms for a page of 1,000 against 63 ms walking every id).
    ($1::text[] IS NULL
     OR (cardinality($1::text[]) = 1 AND governorate = ($1::text[])[1])
     OR (cardinality($1::text[]) <> 1 AND governorate = ANY ($1::text[])))
AND ($2::text[] IS NULL
     OR (cardinality($2::text[]) = 1 AND region = ($2::text[])[1])
     OR (cardinality($2::text[]) <> 1 AND region = ANY ($2::text[])))
AND ($3::date IS NULL OR date_start >= $3::date)
AND ($4::date IS NULL OR date_start <= $4::date)
AND ($5::text[] IS NULL OR event_type = ANY ($5::text[]))
AND ($6::text[] IS NULL OR sub_event_type = ANY ($6::text[]))
-- $7 and $14 are LIKE patterns (filterArgs: each substring escaped, within
-- %...%) matched on lower(), the expressions the trigram indexes hold; one
-- pattern alone is compared directly, so its index can serve it.
AND ($7::text[] IS NULL
     OR (cardinality($7::text[]) = 1 AND lower(perpetrator) LIKE lower(($7::text[])[1]))
     OR (cardinality($7::text[]) <> 1 AND EXISTS (
            SELECT 1 FROM unnest($7::text[]) AS p (s) WHERE lower(perpetrator) LIKE lower(p.s))))
AND ($8::text[] IS NULL
     OR ('military' = ANY ($8::text[]) AND killed_military > 0)
     OR ('militia' = ANY ($8::text[]) AND killed_militia > 0)
     OR ('isis' = ANY ($8::text[]) AND killed_isis > 0)
     OR ('civilians' = ANY ($8::text[]) AND killed_civilians > 0)
     OR ('children' = ANY ($8::text[]) AND killed_children > 0)
     OR ('women' = ANY ($8::text[]) AND killed_women > 0)
     OR ('truffle_gatherers' = ANY ($8::text[]) AND killed_truffle_gatherers > 0))
AND ($9::integer IS NULL OR killed >= $9::integer)
AND ($10::float8 IS NULL OR (
        -- && finds candidates through the GiST index (its boxes are rounded
        -- outwards); the exact comparison keeps the edges as Match does.
        geom && ST_MakeEnvelope($10::float8, $11::float8, $12::float8, $13::float8, 4326)
        AND ST_X(geom) BETWEEN $10::float8 AND $12::float8
        AND ST_Y(geom) BETWEEN $11::float8 AND $13::float8))
AND ($14::text IS NULL
     OR lower(location_name) LIKE lower($14::text)
     OR lower(notes) LIKE lower($14::text))
AND ($15::text[] IS NULL OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(sources) AS s (v)
        WHERE lower(s.v ->> 'name') IN (SELECT lower(w) FROM unnest($15::text[]) AS w)))
AND ($16::integer IS NULL OR geo_precision <= $16::integer)
AND ($17::boolean IS NULL OR illustrative = $17::boolean)
AND status = ANY ($18::text[])
AND /*WHERE*/
