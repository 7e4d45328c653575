SELECT /*COLUMNS*/ FROM incidents WHERE id = $1
