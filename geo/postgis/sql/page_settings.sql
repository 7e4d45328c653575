-- For one keyset page's transaction only: a page reads at most its limit
-- of rows, but a filter the planner thinks selective can cost it past
-- jit_above_cost, and compiling the query then takes longer (100 ms and
-- more) than running it.
SET LOCAL jit = off
