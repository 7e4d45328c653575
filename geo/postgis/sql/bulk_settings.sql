-- For the set-based statements of an import or a boundary reload, in their
-- transaction only: JIT compiling costs more than it saves here, the
-- per-incident aggregates fit in memory instead of spilling to disk, and
-- index rebuilds get room to sort.
SET LOCAL jit = off;
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB'
