package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"

	"github.com/badiamap/badiamap/geo"
)

// naiveServer builds the same tiles as badiamap (same clusters, same
// feature limit, same properties) the way common tile servers put in front
// of a 4326 table do: the tile envelope written into each query's text (a
// new statement to parse and plan per tile), the index searched with the
// envelope transformed to 4326, and every row transformed to 3857 on the fly.
type naiveServer struct{ db *sql.DB }

func (s *naiveServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var z, x, y int
	if _, err := fmt.Sscanf(r.URL.Path, "/tiles/incidents/%d/%d/%d.mvt", &z, &x, &y); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b := geo.TileBounds3857(z, x, y)
	env := fmt.Sprintf("ST_MakeEnvelope(%.17g, %.17g, %.17g, %.17g, 3857)", b.MinX, b.MinY, b.MaxX, b.MaxY)
	q := naiveIncidents
	if z < geo.DefaultClusterBelowZoom {
		q = naiveClusters
	}
	q = strings.NewReplacer("/*ENV*/", env, "/*LIMIT*/", fmt.Sprint(geo.DefaultMaxTileFeatures)).Replace(q)
	var tile, info []byte
	if err := s.db.QueryRowContext(r.Context(), q).Scan(&tile, &info); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	tile = append(tile, info...)
	if len(tile) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
	w.Write(tile)
}

const naiveWhere = `ST_Intersects(i.geom, ST_Transform(/*ENV*/, 4326))
      AND ST_X(ST_Transform(i.geom, 3857)) >= ST_XMin(/*ENV*/) AND ST_X(ST_Transform(i.geom, 3857)) < ST_XMax(/*ENV*/)
      AND ST_Y(ST_Transform(i.geom, 3857)) > ST_YMin(/*ENV*/) AND ST_Y(ST_Transform(i.geom, 3857)) <= ST_YMax(/*ENV*/)`

var naiveIncidents = `
WITH kept AS (
    SELECT i.id, count(*) OVER () AS matched FROM incidents AS i
    WHERE ` + naiveWhere + `
    ORDER BY i.killed DESC, i.id LIMIT /*LIMIT*/
), counts AS (SELECT coalesce(max(matched), 0) AS matched, count(*) AS returned FROM kept)
SELECT (SELECT ST_AsMVT(f, 'incidents', 4096, 'geom', 'id') FROM (
        SELECT i.id, ST_AsMVTGeom(ST_Transform(i.geom, 3857), /*ENV*/, 4096, 0, false) AS geom,
            i.external_id, to_char(i.date_start, 'YYYY-MM-DD') AS date_start,
            to_char(i.date_end, 'YYYY-MM-DD') AS date_end, i.location_name, i.governorate, i.region,
            i.event_type, i.killed, i.killed_military AS military, i.killed_militia AS militia,
            i.killed_isis AS isis, i.killed_other_armed AS other_armed, i.killed_civilians AS civilians,
            i.killed_children AS children, i.killed_women AS women,
            i.killed_truffle_gatherers AS truffle_gatherers, i.killed_unknown AS unknown, i.injured,
            i.abducted
        FROM kept JOIN incidents AS i ON i.id = kept.id ORDER BY i.killed DESC, i.id) AS f),
    (SELECT ST_AsMVT(f, 'tile_info', 4096, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Centroid(/*ENV*/), /*ENV*/, 4096, 0, false) AS geom,
            'incidents'::text AS layer, counts.matched, counts.returned, true AS truncated
        WHERE counts.matched > counts.returned) AS f)
FROM counts`

var naiveClusters = `
WITH pts AS (
    SELECT i.id, i.killed, i.killed_military, i.killed_militia, i.killed_isis, i.killed_other_armed,
        i.killed_civilians, i.killed_children, i.killed_women, i.killed_truffle_gatherers,
        i.killed_unknown, i.injured, i.abducted, i.date_start,
        ST_X(ST_Transform(i.geom, 3857)) AS x, ST_Y(ST_Transform(i.geom, 3857)) AS y,
        least(greatest(floor((ST_X(ST_Transform(i.geom, 3857)) - ST_XMin(/*ENV*/)) / ((ST_XMax(/*ENV*/) - ST_XMin(/*ENV*/)) / 64.0))::integer, 0), 63) AS cx,
        least(greatest(floor((ST_YMax(/*ENV*/) - ST_Y(ST_Transform(i.geom, 3857))) / ((ST_XMax(/*ENV*/) - ST_XMin(/*ENV*/)) / 64.0))::integer, 0), 63) AS cy
    FROM incidents AS i
    WHERE ` + naiveWhere + `
), cells AS (
    SELECT cy * 64 + cx + 1 AS id, avg(x) AS x, avg(y) AS y, count(*) AS count,
        sum(killed) AS killed, sum(killed_military) AS military, sum(killed_militia) AS militia,
        sum(killed_isis) AS isis, sum(killed_other_armed) AS other_armed,
        sum(killed_civilians) AS civilians, sum(killed_children) AS children,
        sum(killed_women) AS women, sum(killed_truffle_gatherers) AS truffle_gatherers,
        sum(killed_unknown) AS unknown, sum(injured) AS injured, sum(abducted) AS abducted,
        to_char(min(date_start), 'YYYY-MM-DD') AS first_date,
        to_char(max(date_start), 'YYYY-MM-DD') AS last_date,
        array_to_string((array_agg(id ORDER BY killed DESC, id))[1:5], ',') AS top_ids
    FROM pts GROUP BY cx, cy
), kept AS (
    SELECT cells.*, count(*) OVER () AS matched FROM cells ORDER BY killed DESC, id LIMIT /*LIMIT*/
), counts AS (SELECT coalesce(max(matched), 0) AS matched, count(*) AS returned FROM kept)
SELECT (SELECT ST_AsMVT(f, 'clusters', 4096, 'geom', 'id') FROM (
        SELECT id, ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(x, y), 3857), /*ENV*/, 4096, 0, false) AS geom,
            count, killed, military, militia, isis, other_armed, civilians, children, women,
            truffle_gatherers, unknown, injured, abducted, first_date, last_date, top_ids
        FROM kept ORDER BY killed DESC, id) AS f),
    (SELECT ST_AsMVT(f, 'tile_info', 4096, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Centroid(/*ENV*/), /*ENV*/, 4096, 0, false) AS geom,
            'clusters'::text AS layer, counts.matched, counts.returned, true AS truncated
        WHERE counts.matched > counts.returned) AS f)
FROM counts`
