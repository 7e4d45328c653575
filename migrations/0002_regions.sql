-- Regions: governorates, Badia regions and custom areas incidents are joined to.
CREATE TABLE regions (
    code        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('governorate', 'badia', 'custom')),
    name_en     text NOT NULL DEFAULT '',
    name_ar     text NOT NULL DEFAULT '',
    parent      text NOT NULL DEFAULT '',
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    -- Web Mercator copy so vector tiles never transform rows.
    geom_3857   geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    area_km2    double precision NOT NULL DEFAULT 0,
    source      text NOT NULL DEFAULT '',
    attribution text NOT NULL DEFAULT ''
);
CREATE INDEX regions_kind_idx ON regions (kind);
CREATE INDEX regions_geom_idx ON regions USING gist (geom);
CREATE INDEX regions_geom_3857_idx ON regions USING gist (geom_3857);

-- The regions cut into pieces of few vertices: joining a point to a small
-- piece is much faster than to a whole governorate outline.
CREATE TABLE region_parts (
    code text NOT NULL REFERENCES regions (code) ON DELETE CASCADE,
    kind text NOT NULL,
    geom geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX region_parts_geom_idx ON region_parts USING gist (geom);
CREATE INDEX region_parts_code_idx ON region_parts (code);
