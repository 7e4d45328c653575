-- Keep the record public reads saw as a superseded version.
INSERT INTO incident_versions (/*STORED*/)
SELECT /*STORED*/ FROM incidents WHERE id = $1
