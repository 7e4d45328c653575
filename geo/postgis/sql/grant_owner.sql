-- Who owns the schema's tables, and whether the current role may grant on
-- them (it owns audit_log, or is a superuser): GRANT by anyone else only
-- warns and grants nothing.
SELECT t.tableowner,
       t.tableowner = current_user OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
FROM pg_tables t
WHERE t.schemaname = 'public' AND t.tablename = 'audit_log'
