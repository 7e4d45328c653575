-- Whether the server is a standby, and how far it has replayed the
-- primary's WAL (NULL on a server that is not in recovery).
SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '')
