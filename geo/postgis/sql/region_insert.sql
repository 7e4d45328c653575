INSERT INTO regions (code, kind, name_en, name_ar, parent, geom, area_km2, source, attribution)
VALUES ($1, $2, $3, $4, $5, ST_Multi(ST_SetSRID(ST_GeomFromWKB($6), 4326)), $7, $8, $9)
