-- Moves the data version on inside a writing transaction (a row, not a
-- sequence: it moves exactly when the write commits).
UPDATE data_version SET version = version + 1 RETURNING version
