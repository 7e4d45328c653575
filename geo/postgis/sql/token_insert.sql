INSERT INTO api_tokens (user_id, name, hash, created_at, created_by, expires_at, last_used, revoked_at)
VALUES ($1, $2, $3, COALESCE($4, now()), $5, $6, $7, $8)
RETURNING id, created_at, (SELECT name FROM users WHERE id = $1)
