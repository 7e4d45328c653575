-- An import holds off every other writer of incidents from its start (readers
-- go on): the external ids it reads at the start are then all there are, so
-- it knows which rows are new without asking again. Self-conflicting, so a
-- second import waits for the first to end.
LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE
