INSERT INTO sessions (id_hash, user_id, created_at, last_seen, client) VALUES ($1, $2, $3, $4, $5)
