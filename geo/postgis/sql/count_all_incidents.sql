SELECT count(*) FROM incidents
