-- For one keyset page's transaction only: a page reads at most its limit
-- of rows, but a filter the planner thinks selective can cost it past
-- jit_above_cost, and compiling the query then takes longer (100 ms and
-- more) than running it.
SET LOCAL jit = off;
-- A page walks an index in id order until it is full; at the default
-- random_page_cost (4, for spinning disks) the planner prices the heap
-- reads of a (governorate, id) or (region, id) walk so high that it walks
-- the primary key instead and tests every row (89,699 for a page of 1,000
-- Homs incidents with killed > 5, against 7,051). 1.1 is the cost for SSD
-- or a cached table, which is what serves these pages.
SET LOCAL random_page_cost = 1.1;
-- A page walks at most a few thousand index entries: starting two workers
-- and merging their streams cost more than the walk (132 ms against 23 ms
-- for a page of 1,000 walked index-only), and a server under load has no
-- cores to spare for one request.
SET LOCAL max_parallel_workers_per_gather = 0
