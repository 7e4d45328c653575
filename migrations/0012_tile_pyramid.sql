-- Tiles at any density (issue 18): the Z-order key that puts every tile and
-- every cell of a tile's cluster grid on one range of an index; the pyramid
-- of per-cell aggregates that answers low-zoom tiles without reading the
-- incidents; and the log of where each write changed the data, so tile
-- caches drop only what changed.

-- The Z-order (Morton) code of the cell of level 28 holding a point
-- (geo.TileKey): column floor((X + W) / size), row floor((W - Y) / size)
-- of the EPSG:3857 point, size = 2W / 2^28, the bits interleaved. The
-- arithmetic is geo.CellOf's, in the same float8 steps.
CREATE FUNCTION incident_tile_key(g geometry) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    p geometry := ST_Transform(g, 3857);
    w float8 := 20037508.342789244;
    size float8 := (2 * 20037508.342789244::float8) / 268435456;
    cx bigint := least(greatest(floor((ST_X(p) + w) / size), 0), 268435455)::bigint;
    cy bigint := least(greatest(floor((w - ST_Y(p)) / size), 0), 268435455)::bigint;
BEGIN
    cx := (cx | (cx << 16)) & 281470681808895;
    cx := (cx | (cx << 8)) & 71777214294589695;
    cx := (cx | (cx << 4)) & 1085102592571150095;
    cx := (cx | (cx << 2)) & 3689348814741910323;
    cx := (cx | (cx << 1)) & 6148914691236517205;
    cy := (cy | (cy << 16)) & 281470681808895;
    cy := (cy | (cy << 8)) & 71777214294589695;
    cy := (cy | (cy << 4)) & 1085102592571150095;
    cy := (cy | (cy << 2)) & 3689348814741910323;
    cy := (cy | (cy << 1)) & 6148914691236517205;
    RETURN cx | (cy << 1);
END $$;

ALTER TABLE incidents ADD COLUMN tile_key bigint GENERATED ALWAYS AS (incident_tile_key(geom)) STORED;
-- Drafts and versions keep the same columns as incidents (migration 0009).
ALTER TABLE incident_drafts ADD COLUMN tile_key bigint GENERATED ALWAYS AS (incident_tile_key(geom)) STORED;
ALTER TABLE incident_versions ADD COLUMN tile_key bigint GENERATED ALWAYS AS (incident_tile_key(geom)) STORED;

-- Tiles draw published incidents located to within a district: a tile, or
-- a cell of its grid, is one range of this index, which carries what a
-- cluster sums, so counting a tile never visits the wide rows. It replaces
-- migration 0006's index on X then Y, whose range was a strip of the map.
CREATE INDEX incidents_tile_key_idx ON incidents (tile_key)
    INCLUDE (geom_3857, id, killed, killed_military, killed_militia, killed_isis, killed_other_armed,
             killed_civilians, killed_children, killed_women, killed_truffle_gatherers, killed_unknown,
             injured, abducted, date_start)
    WHERE status = 'published' AND geo_precision <= 3;
DROP INDEX incidents_tile_idx;

-- The pyramid: per level (6 for the grid of zoom 0, up to the grid of the
-- deepest zoom the store keeps), the cells holding a drawn incident, keyed
-- by the cell's Morton code at that level (tile_key >> 2 * (28 - level)),
-- with what a cluster shows: count, mean position (sums), casualty sums,
-- date span, and the five deadliest (killed descending, then id).
CREATE TABLE tile_cells (
    level      smallint NOT NULL,
    key        bigint NOT NULL,
    n          integer NOT NULL,
    sum_x      float8 NOT NULL,
    sum_y      float8 NOT NULL,
    killed     bigint NOT NULL,
    military   bigint NOT NULL,
    militia    bigint NOT NULL,
    isis       bigint NOT NULL,
    other_armed bigint NOT NULL,
    civilians  bigint NOT NULL,
    children   bigint NOT NULL,
    women      bigint NOT NULL,
    truffle_gatherers bigint NOT NULL,
    unknown    bigint NOT NULL,
    injured    bigint NOT NULL,
    abducted   bigint NOT NULL,
    first_date date NOT NULL,
    last_date  date NOT NULL,
    top_ids    bigint[] NOT NULL,
    top_killed integer[] NOT NULL,
    PRIMARY KEY (level, key)
);

-- Where each write changed the data: the tiles (zoom z, column x, row y)
-- whose area held an incident it added, changed, moved or removed, under
-- the data version it committed. z = -1 notes a write that changed no
-- tile, so every version a write made has a row; the tile 0/0/0 is the
-- whole world (regions replaced).
CREATE TABLE tile_changes (
    version bigint NOT NULL,
    z       smallint NOT NULL,
    x       integer NOT NULL,
    y       integer NOT NULL
);
CREATE INDEX tile_changes_version_idx ON tile_changes (version);

-- The data version the pyramid was last made whole at: tiles read it only
-- when it is the data version (a write that did not keep it leaves it
-- behind, and the next write that keeps it counts it again). 0: never built.
ALTER TABLE data_version ADD COLUMN pyramid_version bigint NOT NULL DEFAULT 0;

-- Tiles change format (clusters where dense, tile_info in every tile):
-- caches keyed on the data version start again.
UPDATE data_version SET version = version + 1;
