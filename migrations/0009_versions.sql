-- Incidents keep every version (issue 15): the row of incidents is the
-- version public reads see (or a draft no one has published yet: status
-- draft), incident_drafts the pending draft of changes to a published or
-- retracted incident, incident_versions every superseded version. The
-- three have the same columns, so the filter and the scans read them alike.

CREATE SEQUENCE incident_change_seq;

ALTER TABLE incidents
    ADD COLUMN status text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'draft', 'retracted')),
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN version_action text NOT NULL DEFAULT 'import'
        CHECK (version_action IN ('import', 'create', 'edit', 'publish', 'retract', 'revert')),
    ADD COLUMN version_author text NOT NULL DEFAULT '',
    ADD COLUMN version_at timestamptz,
    ADD COLUMN version_comment text NOT NULL DEFAULT '',
    -- The order of published changes (the changes feeds' cursor).
    ADD COLUMN change_seq bigint;

UPDATE incidents AS i SET version_at = i.updated_at, change_seq = o.seq
FROM (SELECT id, nextval('incident_change_seq') AS seq FROM (SELECT id FROM incidents ORDER BY id) AS ids) AS o
WHERE i.id = o.id;

ALTER TABLE incidents
    ALTER COLUMN version_at SET NOT NULL, ALTER COLUMN version_at SET DEFAULT now(),
    ALTER COLUMN change_seq SET NOT NULL, ALTER COLUMN change_seq SET DEFAULT nextval('incident_change_seq');
ALTER SEQUENCE incident_change_seq OWNED BY incidents.change_seq;
CREATE INDEX incidents_change_seq_idx ON incidents (change_seq);

CREATE TABLE incident_drafts (LIKE incidents INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS);
ALTER TABLE incident_drafts ADD PRIMARY KEY (id), ADD FOREIGN KEY (id) REFERENCES incidents (id);

CREATE TABLE incident_versions (LIKE incidents INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS);
ALTER TABLE incident_versions ADD PRIMARY KEY (id, version), ADD FOREIGN KEY (id) REFERENCES incidents (id);
CREATE INDEX incident_versions_change_seq_idx ON incident_versions (change_seq)
    WHERE status IN ('published', 'retracted');

UPDATE data_version SET version = version + 1;
