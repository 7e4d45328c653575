-- Risk scores of the hexagonal grid over the Badia (package geo/risk; see
-- docs/RISK.md). $1-$15: the shared filter. $16 cell size (EPSG:3857 m),
-- $17 reference day, $18 window (days), $19 cutoff (m), $20 sigma (m),
-- $21 half-life (days), $22-$25 kind weights (truffle gatherers, explosive,
-- civilians, other), $26 explosive sub-event types, $27 civilian event types,
-- $28 injured weight, $29-$30 the location precisions scored (risk.Scored:
-- geo.GeoExact to risk.MaxScoredPrecision), $31 the score's unit
-- (risk.ScoreUnit). Distances are great circles on PostGIS's sphere
-- (use_spheroid false), as risk.Distance computes them.
WITH badia AS (
    SELECT ST_Collect(geom_3857) AS g FROM regions WHERE kind = 'badia'
), cells AS (
    SELECT h.i, h.j
    FROM badia, ST_HexagonGrid($16::float8, badia.g) AS h
    WHERE EXISTS (SELECT 1 FROM regions r
                  WHERE r.kind = 'badia' AND r.geom_3857 && h.geom AND ST_Intersects(r.geom_3857, h.geom))
), centres AS (
    -- The centre of ST_HexagonGrid's cell (i, j), computed as geo/risk does.
    SELECT i, j,
           1.5 * $16::float8 * i AS cx,
           ($16::float8 * 2 * 0.8660254037844387) * j
             + CASE WHEN i % 2 <> 0 THEN ($16::float8 * 2 * 0.8660254037844387) / 2 ELSE 0 END AS cy
    FROM cells
), points AS (
    SELECT i, j, cx, cy,
           ST_SetSRID(ST_MakePoint(cx / 6378137.0 * 180 / pi(),
                                   (2 * atan(exp(cy / 6378137.0)) - pi() / 2) * 180 / pi()), 4326)::geography AS centre,
           ST_Transform(ST_MakeEnvelope(cx - 2 * $19::float8, cy - 2 * $19::float8,
                                        cx + 2 * $19::float8, cy + 2 * $19::float8, 3857), 4326) AS box
    FROM centres
), near AS (
    SELECT p.i, p.j, inc.id,
           inc.geo_precision BETWEEN $29::integer AND $30::integer AS scored,
           (CASE WHEN inc.killed_truffle_gatherers > 0 THEN $22::float8
                 WHEN inc.sub_event_type = ANY ($26::text[]) THEN $23::float8
                 WHEN inc.event_type = ANY ($27::text[]) OR inc.killed_civilians > 0 THEN $24::float8
                 ELSE $25::float8 END)
           * (1 + ln(1 + inc.killed + $28::float8 * inc.injured)) / $31::float8
           * power(0.5::float8, ($17::date - inc.date_start)::float8 / $21::float8)
           * exp(-(ST_Distance(p.centre, inc.geom::geography, false) ^ 2) / (2 * $20::float8 * $20::float8)) AS contribution
    FROM points p
    LEFT JOIN incidents inc
           -- The box (twice the cutoff in map units, as lon/lat: Web Mercator
           -- maps a box to a box) only finds candidates through the GiST index
           -- on geom; ST_DWithin decides.
           ON inc.geom && p.box
          AND ST_DWithin(p.centre, inc.geom::geography, $19::float8, false)
          AND inc.date_start <= $17::date
          AND inc.date_start > $17::date - $18::integer
          AND /*FILTER*/
)
SELECT i, j,
       count(id) FILTER (WHERE scored)::bigint,
       coalesce(sum(contribution) FILTER (WHERE scored), 0)::float8,
       count(id) FILTER (WHERE NOT scored)::bigint
FROM near
GROUP BY i, j
ORDER BY i, j
