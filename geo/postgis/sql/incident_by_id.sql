-- One published incident by id (a draft or a retracted one is not there
-- for public reads).
SELECT /*COLUMNS*/ FROM incidents WHERE id = $1 AND status = 'published'
