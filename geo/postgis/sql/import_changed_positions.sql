-- Where the stored incidents an import changes are and will be, in
-- EPSG:3857, and whether tiles draw them there (published, located to
-- within a district), for the tiles the import changes.
SELECT ST_X(i.geom_3857), ST_Y(i.geom_3857), i.status = 'published' AND i.geo_precision <= 3,
    ST_X(ST_Transform(j.geom, 3857)), ST_Y(ST_Transform(j.geom, 3857)), i.status = 'published' AND j.geo_precision <= 3
FROM import_changed AS c
JOIN incidents AS i ON i.id = c.id
JOIN import_updates AS j ON j.external_id = i.external_id
