-- The tile $16/$17/$18 (z/x/y) and the numbers its features are cut by
-- (geo/tile.go): edges, the cluster cell and the tile unit, in EPSG:3857.
SELECT e, ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy,
       (ST_XMax(e) - ST_XMin(e)) / 64.0 AS cell
FROM (SELECT ST_TileEnvelope($16::integer, $17::integer, $18::integer) AS e) AS t
