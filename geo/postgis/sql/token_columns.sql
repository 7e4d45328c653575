t.id, t.user_id, u.name, t.name, t.hash, t.created_at, t.created_by, t.expires_at, t.last_used, t.revoked_at
