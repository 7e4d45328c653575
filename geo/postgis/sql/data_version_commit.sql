-- The data version a write commits ($1), and the version the pyramid is
-- whole at after it ($2); run after pyramid_lock.sql in the same
-- transaction.
UPDATE data_version SET version = $1::bigint, pyramid_version = $2::bigint
