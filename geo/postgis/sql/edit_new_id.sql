-- The id of a new incident, drawn as an import draws it.
SELECT nextval(pg_get_serial_sequence('incidents', 'id'))
