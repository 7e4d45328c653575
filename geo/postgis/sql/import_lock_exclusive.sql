-- A bulk import drops and rebuilds the indexes of incidents: it holds the
-- table for itself until commit (readers wait too, as they would for the
-- index drop).
LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE
