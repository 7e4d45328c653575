-- A write that keeps the pyramid and notes its changes takes the data
-- version first: writers then keep the pyramid one at a time, each
-- counting what the one before committed.
SELECT version, pyramid_version FROM data_version FOR UPDATE
