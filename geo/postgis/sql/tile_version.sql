-- The data version a tile is built at, read in the tile's own snapshot, and
-- the version the pyramid was last made whole at.
SELECT version, pyramid_version FROM data_version
