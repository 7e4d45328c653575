-- The key and location-class markers come from the GroupBy whitelist in
-- stats.go; every matching row is counted in one group.
SELECT /*KEY*/ AS key, /*LOCATED*/ AS located,
       count(*), coalesce(sum(killed), 0),
       coalesce(sum(killed_military), 0), coalesce(sum(killed_militia), 0),
       coalesce(sum(killed_isis), 0), coalesce(sum(killed_other_armed), 0),
       coalesce(sum(killed_civilians), 0), coalesce(sum(killed_children), 0),
       coalesce(sum(killed_women), 0), coalesce(sum(killed_truffle_gatherers), 0),
       coalesce(sum(killed_unknown), 0), coalesce(sum(injured), 0), coalesce(sum(abducted), 0),
       min(date_start), max(date_start)
FROM incidents
WHERE /*FILTER*/
GROUP BY 1, 2
ORDER BY 1, 2
