-- For one tile's transaction only: a low-zoom tile groups up to every
-- incident, which must sort in memory, not spill to disk; JIT compiling
-- costs more than such a query saves.
SET LOCAL work_mem = '128MB';
SET LOCAL jit = off
