-- The record public reads see of an incident (or its unpublished draft),
-- locked for an edit.
SELECT /*VERSION_COLUMNS*/ FROM incidents WHERE id = $1 FOR UPDATE
