-- The primary's WAL insert position: at or after the end of every
-- transaction committed so far (a replica that has replayed up to it holds
-- them all).
SELECT pg_current_wal_insert_lsn()::text
