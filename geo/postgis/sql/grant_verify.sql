-- What a role may do to the audit log and the incidents after a grant.
SELECT has_table_privilege($1, 'audit_log', 'INSERT'), has_table_privilege($1, 'audit_log', 'SELECT'),
       has_table_privilege($1, 'audit_log', 'UPDATE') OR has_table_privilege($1, 'audit_log', 'DELETE')
           OR has_table_privilege($1, 'audit_log', 'TRUNCATE'),
       has_table_privilege($1, 'incidents', 'UPDATE')
