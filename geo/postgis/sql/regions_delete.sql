DELETE FROM regions WHERE kind = ANY ($1::text[])
