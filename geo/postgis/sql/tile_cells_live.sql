-- The cells of a tile's cluster grid counted from the incidents the filter
-- ($1-$N) matches: tile keys $+1 <= tile_key < $+2 (the tile's range), a
-- cell's key being tile_key >> $+3. The range and the drawn conditions are
-- those of incidents_tile_key_idx, so an unfiltered count reads that index
-- alone, and exactly the tile's entries.
SELECT i.tile_key >> $+3::integer AS key, count(*), sum(ST_X(i.geom_3857)), sum(ST_Y(i.geom_3857)),
    sum(i.killed), sum(i.killed_military), sum(i.killed_militia), sum(i.killed_isis), sum(i.killed_other_armed),
    sum(i.killed_civilians), sum(i.killed_children), sum(i.killed_women), sum(i.killed_truffle_gatherers),
    sum(i.killed_unknown), sum(i.injured), sum(i.abducted), min(i.date_start), max(i.date_start),
    (array_agg(i.id ORDER BY i.killed DESC, i.id))[1:5], (array_agg(i.killed ORDER BY i.killed DESC, i.id))[1:5]
FROM incidents AS i
WHERE i.tile_key >= $+1::bigint AND i.tile_key < $+2::bigint
  AND i.status = 'published' AND i.geo_precision <= 3
  AND /*FILTER*/
GROUP BY 1
