-- The pending draft of changes to a published or retracted incident.
INSERT INTO incident_drafts (/*STORED*/) VALUES (/*VALUES*/, nextval('incident_change_seq'))
