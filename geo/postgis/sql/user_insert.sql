-- A new user; no row when the name is taken.
INSERT INTO users (name, role, disabled, password_hash, created_at, updated_at)
VALUES ($1, $2, $3, $4, COALESCE($5, now()), COALESCE($5, now()))
ON CONFLICT (name) DO NOTHING
RETURNING id, created_at, updated_at
