-- A new incident (a draft), every stored column bound; its change is
-- numbered as it is written.
INSERT INTO incidents (/*STORED*/) VALUES (/*VALUES*/, nextval('incident_change_seq'))
