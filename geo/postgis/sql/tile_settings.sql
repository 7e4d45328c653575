-- For one tile's transaction only: a low-zoom tile groups up to every
-- incident, which must sort in memory, not spill to disk; JIT compiling
-- costs more than such a query saves; and every tile is planned with its
-- own values, so the filter's unset branches fold away and an unfiltered
-- tile stays an index-only scan (a generic plan would keep them).
SET LOCAL work_mem = '128MB';
SET LOCAL jit = off;
SET LOCAL plan_cache_mode = force_custom_plan
