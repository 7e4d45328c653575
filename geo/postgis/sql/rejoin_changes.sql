-- The incidents whose join changes under the current regions, by the
-- precision rule (migration 0007's functions): the point-in-polygon part is
-- set-based, the loop running over the region pieces and finding the points
-- through their GiST index, so each piece stays prepared (cached).
CREATE TEMP TABLE rejoin_changes ON COMMIT DROP AS
SELECT id, governorate, region, join_basis
FROM (
    SELECT x.id, x.governorate AS was_governorate, x.region AS was_region, x.join_basis AS was_basis,
           joined_governorate(x.located, x.source_governorate, h.held, coalesce(m.governorate, '')) AS governorate,
           joined_region(x.located, coalesce(m.region, '')) AS region,
           join_basis_of(x.located, h.held) AS join_basis
    FROM incidents AS x
    CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM regions AS r
                                       WHERE r.kind = 'governorate' AND r.code = x.source_governorate
                                         AND x.source_governorate <> '') AS held) AS h
    LEFT JOIN (
        SELECT y.id,
               min(p.code COLLATE "C") FILTER (WHERE p.kind = 'governorate') AS governorate,
               min(p.code COLLATE "C") FILTER (WHERE p.kind = 'badia') AS region
        FROM region_parts AS p
        JOIN incidents AS y ON ST_Intersects(p.geom, y.geom)
        WHERE p.kind IN ('governorate', 'badia') AND y.located <> 'country'
        GROUP BY y.id
    ) AS m ON m.id = x.id
) AS j
WHERE (was_governorate, was_region, was_basis) IS DISTINCT FROM (governorate, region, join_basis)
