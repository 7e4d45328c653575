-- Location precision decides what an incident is joined to and counted in
-- (geo/precision.go, the precision rule): exact and near points (1-2) join
-- their governorate and Badia region; a district centroid (3) its
-- governorate only; a governorate-level or linear location (4-5) the
-- governorate its source names where the database holds it, else the one
-- its point falls in; a country-level one (6-7) nothing. The functions
-- below are the rule's SQL mirror: rejoin_changes.sql calls them too.

CREATE FUNCTION located_class(geo_precision integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN geo_precision IN (1, 2) THEN 'point'
            WHEN geo_precision = 3 THEN 'district'
            WHEN geo_precision IN (4, 5) THEN 'governorate'
            ELSE 'country' END;

-- The governorate of an incident of class located: point_governorate is
-- where its point falls, source_held whether the database holds the
-- governorate its source names (source_governorate).
CREATE FUNCTION joined_governorate(located text, source_governorate text, source_held boolean, point_governorate text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN located = 'country' THEN ''
            WHEN located = 'governorate' AND source_held THEN source_governorate
            ELSE point_governorate END;

CREATE FUNCTION joined_region(located text, point_region text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN located = 'point' THEN point_region ELSE '' END;

CREATE FUNCTION join_basis_of(located text, source_held boolean)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN located = 'country' THEN 'none'
            WHEN located = 'governorate' AND source_held THEN 'source_admin1'
            ELSE 'point' END;

ALTER TABLE incidents
    ADD COLUMN located text GENERATED ALWAYS AS (located_class(geo_precision)) STORED,
    ADD COLUMN join_basis text NOT NULL DEFAULT 'point' CHECK (join_basis IN ('point', 'source_admin1', 'none')),
    -- Made up to illustrate published figures (the demo), never real data.
    ADD COLUMN illustrative boolean NOT NULL DEFAULT false;

-- Re-join every stored incident once by the rule. Its governorate and
-- region are still where its point falls (the join before this migration),
-- so no polygon is needed.
UPDATE incidents AS i
SET governorate = joined_governorate(i.located, i.source_governorate, s.held, i.governorate),
    region      = joined_region(i.located, i.region),
    join_basis  = join_basis_of(i.located, s.held)
FROM (SELECT x.id, EXISTS (SELECT 1 FROM regions AS r
                           WHERE r.kind = 'governorate' AND r.code = x.source_governorate
                             AND x.source_governorate <> '') AS held
      FROM incidents AS x WHERE x.located <> 'point') AS s
WHERE i.id = s.id;

-- The demo data set was imported before incidents carried the flag; its
-- external ids are the only mark it had.
UPDATE incidents SET illustrative = true WHERE external_id LIKE 'sohr-demo:%';

UPDATE data_version SET version = version + 1;
