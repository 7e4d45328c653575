-- PostGIS for geometry; pg_trgm is not needed: text filters use strpos.
CREATE EXTENSION IF NOT EXISTS postgis;
