DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2
