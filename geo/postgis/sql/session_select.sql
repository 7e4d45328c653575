SELECT s.id_hash, s.user_id, s.created_at, s.last_seen, s.client, /*USER*/
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_hash = $1
