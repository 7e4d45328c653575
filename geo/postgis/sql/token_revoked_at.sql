SELECT revoked_at FROM api_tokens WHERE id = $1
