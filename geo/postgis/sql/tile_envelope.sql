-- The tile $16/$17/$18 (z/x/y) in EPSG:3857, written out where it is used
-- (not in a CTE) so the planner folds it with the bound values and sizes the
-- scan by the real tile.
ST_TileEnvelope($16::integer, $17::integer, $18::integer)
