-- One tile's incidents as clusters (geo/tile.go): filter $1-$N, then ($+K
-- is the K-th parameter after it) tile $+1/$+2/$+3 (/*ENV*/ is its envelope), at most $+4 clusters (killed
-- descending, then cell). Each incident falls in cell
-- floor((X-minx)/cell), floor((maxy-Y)/cell) of the tile's 64x64 grid
-- (/*CELL*/ is the cell's width); a cluster sits at the mean of its points.
WITH pts AS (
    SELECT s.*,
        least(greatest(floor((s.x - ST_XMin(/*ENV*/)) / /*CELL*/)::integer, 0), 63) AS cx,
        least(greatest(floor((ST_YMax(/*ENV*/) - s.y) / /*CELL*/)::integer, 0), 63) AS cy
    FROM (
        -- The box test is in the form incidents_tile_idx indexes, and every
        -- column read here is in that index: an unfiltered tile never
        -- visits the wide rows.
        SELECT i.id, i.killed, i.killed_military, i.killed_militia, i.killed_isis, i.killed_other_armed,
            i.killed_civilians, i.killed_children, i.killed_women, i.killed_truffle_gatherers,
            i.killed_unknown, i.injured, i.abducted, i.date_start,
            ST_X(i.geom_3857) AS x, ST_Y(i.geom_3857) AS y
        FROM incidents AS i
        WHERE ST_X(i.geom_3857) >= ST_XMin(/*ENV*/) AND ST_X(i.geom_3857) < ST_XMax(/*ENV*/)
          AND ST_Y(i.geom_3857) > ST_YMin(/*ENV*/) AND ST_Y(i.geom_3857) <= ST_YMax(/*ENV*/)
          AND /*FILTER*/) AS s
),
cells AS (
    SELECT cy * 64 + cx + 1 AS id, avg(x) AS x, avg(y) AS y, count(*) AS count,
        sum(killed) AS killed, sum(killed_military) AS military, sum(killed_militia) AS militia,
        sum(killed_isis) AS isis, sum(killed_other_armed) AS other_armed,
        sum(killed_civilians) AS civilians, sum(killed_children) AS children,
        sum(killed_women) AS women, sum(killed_truffle_gatherers) AS truffle_gatherers,
        sum(killed_unknown) AS unknown, sum(injured) AS injured, sum(abducted) AS abducted,
        to_char(min(date_start), 'YYYY-MM-DD') AS first_date,
        to_char(max(date_start), 'YYYY-MM-DD') AS last_date,
        array_to_string((array_agg(id ORDER BY killed DESC, id))[1:5], ',') AS top_ids
    FROM pts
    GROUP BY cx, cy
),
kept AS (
    SELECT cells.*, count(*) OVER () AS matched FROM cells ORDER BY killed DESC, id LIMIT $+4::bigint
),
counts AS (
    SELECT coalesce(max(matched), 0) AS matched, count(*) AS returned FROM kept
)
SELECT counts.matched,
    (SELECT ST_AsMVT(f, 'clusters', 4096, 'geom', 'id') FROM (
        SELECT id, ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(x, y), 3857), /*ENV*/, 4096, 0, false) AS geom,
            count, killed, military, militia, isis, other_armed, civilians, children, women,
            truffle_gatherers, unknown, injured, abducted, first_date, last_date, top_ids
        FROM kept
        ORDER BY killed DESC, id) AS f),
    (SELECT ST_AsMVT(f, 'tile_info', 4096, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Centroid(/*ENV*/), /*ENV*/, 4096, 0, false) AS geom,
            'clusters'::text AS layer, counts.matched, counts.returned, true AS truncated
        WHERE counts.matched > counts.returned) AS f)
FROM counts
