-- No row when the token is unknown or revoked already.
UPDATE api_tokens t SET revoked_at = $2 FROM users u
WHERE t.id = $1 AND t.revoked_at IS NULL AND u.id = t.user_id
RETURNING /*TOKEN*/
