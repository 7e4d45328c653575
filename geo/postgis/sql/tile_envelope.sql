-- The tile $+1/$+2/$+3 (z/x/y) in EPSG:3857, written out where it is used
-- (not in a CTE) so the planner folds it with the bound values and sizes the
-- scan by the real tile.
ST_TileEnvelope($+1::integer, $+2::integer, $+3::integer)
