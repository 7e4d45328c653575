-- One row bumped inside every writing transaction, so caches keyed on it
-- change exactly when a write commits (a sequence would bump before commit).
CREATE TABLE data_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO data_version (version) VALUES (1);
