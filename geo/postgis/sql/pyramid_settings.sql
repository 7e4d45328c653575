-- For the rest of a write's transaction (the pyramid's upkeep is its last
-- step): every pyramid statement reads a few key ranges of an index, one
-- at a time. The planner, estimating a range at thousands of rows, would
-- otherwise hash or scan a million-row table for a write of one incident,
-- and, from those estimates, JIT-compile a statement that reads a few cells
-- (200 ms of compiling for under a millisecond of work).
SET LOCAL jit = off;
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_seqscan = off
