-- A NULL leaves the field as it is.
UPDATE users u SET role = COALESCE($2, u.role), disabled = COALESCE($3, u.disabled),
    password_hash = COALESCE($4, u.password_hash), updated_at = now()
WHERE u.name = $1
RETURNING /*USER*/
