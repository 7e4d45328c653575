CREATE INDEX ON import_points USING gist (geom)
