-- Risk scores of the hexagonal grid over the Badia (package geo/risk; see
-- docs/RISK.md). $1-$N: the shared filter; $+K is the K-th parameter after
-- it: $+1 cell size (EPSG:3857 m),
-- $+2 reference day, $+3 window (days), $+4 cutoff (m), $+5 sigma (m),
-- $+6 half-life (days), $+7-$+10 kind weights (truffle gatherers, explosive,
-- civilians, other), $+11 explosive sub-event types, $+12 civilian event types,
-- $+13 injured weight, $+14-$+15 the location precisions scored (risk.Scored:
-- geo.GeoExact to risk.MaxScoredPrecision), $+16 the score's unit
-- (risk.ScoreUnit). Distances are great circles on PostGIS's sphere
-- (use_spheroid false), as risk.Distance computes them.
WITH badia AS (
    SELECT ST_Collect(geom_3857) AS g FROM regions WHERE kind = 'badia'
), cells AS (
    SELECT h.i, h.j
    FROM badia, ST_HexagonGrid($+1::float8, badia.g) AS h
    WHERE EXISTS (SELECT 1 FROM regions r
                  WHERE r.kind = 'badia' AND r.geom_3857 && h.geom AND ST_Intersects(r.geom_3857, h.geom))
), centres AS (
    -- The centre of ST_HexagonGrid's cell (i, j), computed as geo/risk does.
    SELECT i, j,
           1.5 * $+1::float8 * i AS cx,
           ($+1::float8 * 2 * 0.8660254037844387) * j
             + CASE WHEN i % 2 <> 0 THEN ($+1::float8 * 2 * 0.8660254037844387) / 2 ELSE 0 END AS cy
    FROM cells
), points AS (
    SELECT i, j, cx, cy,
           ST_SetSRID(ST_MakePoint(cx / 6378137.0 * 180 / pi(),
                                   (2 * atan(exp(cy / 6378137.0)) - pi() / 2) * 180 / pi()), 4326)::geography AS centre,
           ST_Transform(ST_MakeEnvelope(cx - 2 * $+4::float8, cy - 2 * $+4::float8,
                                        cx + 2 * $+4::float8, cy + 2 * $+4::float8, 3857), 4326) AS box
    FROM centres
), near AS (
    SELECT p.i, p.j, inc.id,
           inc.geo_precision BETWEEN $+14::integer AND $+15::integer AS scored,
           (CASE WHEN inc.killed_truffle_gatherers > 0 THEN $+7::float8
                 WHEN inc.sub_event_type = ANY ($+11::text[]) THEN $+8::float8
                 WHEN inc.event_type = ANY ($+12::text[]) OR inc.killed_civilians > 0 THEN $+9::float8
                 ELSE $+10::float8 END)
           * (1 + ln(1 + inc.killed + $+13::float8 * inc.injured)) / $+16::float8
           * power(0.5::float8, ($+2::date - inc.date_start)::float8 / $+6::float8)
           * exp(-(ST_Distance(p.centre, inc.geom::geography, false) ^ 2) / (2 * $+5::float8 * $+5::float8)) AS contribution
    FROM points p
    LEFT JOIN incidents inc
           -- The box (twice the cutoff in map units, as lon/lat: Web Mercator
           -- maps a box to a box) only finds candidates through the GiST index
           -- on geom; ST_DWithin decides.
           ON inc.geom && p.box
          AND ST_DWithin(p.centre, inc.geom::geography, $+4::float8, false)
          AND inc.date_start <= $+2::date
          AND inc.date_start > $+2::date - $+3::integer
          AND /*FILTER*/
)
SELECT i, j,
       count(id) FILTER (WHERE scored)::bigint,
       coalesce(sum(contribution) FILTER (WHERE scored), 0)::float8,
       count(id) FILTER (WHERE NOT scored)::bigint
FROM near
GROUP BY i, j
ORDER BY i, j
