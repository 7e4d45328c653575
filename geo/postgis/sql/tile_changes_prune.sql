-- The log keeps the writes of the last data versions only: a server whose
-- cache is older than that drops it whole.
DELETE FROM tile_changes WHERE version <= $1::bigint
