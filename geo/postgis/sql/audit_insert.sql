-- One audit entry, in the transaction of the change it records.
INSERT INTO audit_log (at, actor, action, target, client, detail)
VALUES (COALESCE($1, now()), $2, $3, $4, $5, $6)
RETURNING id, at
