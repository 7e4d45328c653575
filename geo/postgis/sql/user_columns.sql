u.id, u.name, u.role, u.disabled, u.password_hash, u.created_at, u.updated_at
