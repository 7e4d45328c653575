-- Vector tiles find incidents by their EPSG:3857 position.
-- One B-tree on (X, Y) that also carries what a tile reads (the point, id,
-- casualties, date) answers an unfiltered tile from the index alone, without
-- visiting the wide rows: a tile's box is a range of X with a test on Y.
-- It replaces the GiST index on geom_3857, which always had to visit them
-- (risk scores search the GiST index on geom instead).
CREATE INDEX incidents_tile_idx ON incidents (ST_X(geom_3857), ST_Y(geom_3857))
    INCLUDE (geom_3857, id, killed, killed_military, killed_militia, killed_isis, killed_other_armed,
             killed_civilians, killed_children, killed_women, killed_truffle_gatherers, killed_unknown,
             injured, abducted, date_start);
DROP INDEX incidents_geom_3857_idx;
