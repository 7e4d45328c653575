-- Tells every server LISTENing on channel $1 the new version $2 when the
-- transaction commits (NOTIFY is transactional; standbys hear nothing).
SELECT pg_notify($1, $2::text)
