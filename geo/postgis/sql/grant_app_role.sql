-- Least privilege for the role the server runs as (badiamap db grant;
-- docs/SECURITY.md): read and write the data, append to the audit log
-- and read it, never change or remove an entry, never change the schema.
-- /*ROLE*/ is the role's name, quoted as an identifier.
GRANT USAGE ON SCHEMA public TO /*ROLE*/;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO /*ROLE*/;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO /*ROLE*/;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM /*ROLE*/;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM /*ROLE*/;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON spatial_ref_sys FROM /*ROLE*/;
