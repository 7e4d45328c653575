package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/labstack/echo/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// The risk endpoints' own query parameters, beside the filter grammar.
const (
	paramDate     = "date"
	paramLon      = "lon"
	paramLat      = "lat"
	paramMinLevel = "min_level"
)

// riskTopContributors is how many incidents a check lists.
const riskTopContributors = 10

// maxRiskBody bounds a POST /api/risk/check body.
const maxRiskBody = 1 << 20

// riskZonesCached is how many scored grids (day x filter) are kept.
const riskZonesCached = 32

// riskService answers the risk endpoints: the grid over the store's Badia
// regions and a small cache of scored grids, both renewed when the data
// version changes.
type riskService struct {
	s *Server
	p risk.Params

	mu      sync.Mutex
	version int64
	grid    *risk.Grid
	badia   []geo.Region
	zones   map[string]*risk.Zones
	order   []string // cache keys, oldest first
}

// EnableRisk registers the risk endpoints on s with the model parameters p
// (the zero Params means risk.DefaultParams):
//
//	GET  /api/risk/zones            the scored grid as GeoJSON
//	GET  /api/risk/zones.geojson    the same, as a download
//	GET  /api/risk/zones.kml        the same as KML, for field teams
//	GET  /api/risk/check            one point: level, reasons, counts around it
//	POST /api/risk/check            one area (GeoJSON polygon): levels, cells, reasons
//	GET  /tiles/risk/{z}/{x}/{y}.mvt and /tiles/risk.json  the grid as vector tiles (layer "risk")
func (s *Server) EnableRisk(p risk.Params) error {
	if p == (risk.Params{}) {
		p = risk.DefaultParams()
	}
	if err := p.Validate(); err != nil {
		return err
	}
	r := &riskService{s: s, p: p, zones: map[string]*risk.Zones{}}
	e := s.echo
	e.GET("/api/risk/zones", r.serveZones)
	e.GET("/api/risk/zones.geojson", r.serveZones)
	e.GET("/api/risk/zones.kml", r.serveZonesKML)
	e.GET("/api/risk/check", r.checkPoint)
	e.POST("/api/risk/check", r.checkArea)
	e.GET("/tiles/risk/:z/:x/:y", r.serveTile)
	e.GET("/tiles/risk.json", r.serveTileJSON)
	return nil
}

// gridFor returns the grid and Badia regions of the store's current data.
func (r *riskService) gridFor(ctx context.Context) (*risk.Grid, []geo.Region, int64, error) {
	v, err := r.s.store.DataVersion(ctx)
	if err != nil {
		return nil, nil, 0, r.s.storeError(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.grid != nil && r.version == v {
		return r.grid, r.badia, v, nil
	}
	badia, err := r.s.store.Regions(ctx, geo.KindBadia)
	if err != nil {
		return nil, nil, 0, r.s.storeError(err)
	}
	grid, err := risk.NewGrid(r.p.CellSize, badia)
	if err != nil {
		return nil, nil, 0, newProblem(http.StatusServiceUnavailable, "The risk grid cannot be laid: "+err.Error())
	}
	r.grid, r.badia, r.version = grid, badia, v
	r.zones, r.order = map[string]*risk.Zones{}, nil
	return grid, badia, v, nil
}

// zonesFor scores the grid for day and f, from the cache when it can.
func (r *riskService) zonesFor(ctx context.Context, day time.Time, f geo.IncidentFilter) (*risk.Zones, error) {
	grid, _, v, err := r.gridFor(ctx)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%d|%s|%s", v, day.Format(geo.DateLayout), FilterQuery(f).Encode())
	r.mu.Lock()
	z := r.zones[key]
	r.mu.Unlock()
	if z != nil {
		return z, nil
	}
	z, err = risk.Score(ctx, r.s.store, grid, r.p, day, f)
	if err != nil {
		return nil, r.s.storeError(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.version == v {
		if _, ok := r.zones[key]; !ok {
			r.zones[key] = z
			r.order = append(r.order, key)
			if len(r.order) > riskZonesCached {
				delete(r.zones, r.order[0])
				r.order = r.order[1:]
			}
		}
	}
	return z, nil
}

// riskDay is the date parameter, today (UTC) when absent.
func riskDay(q url.Values) (time.Time, error) {
	d, err := parseDate(q, paramDate)
	if err != nil {
		return d, err
	}
	if d.IsZero() {
		d = risk.Day(time.Now().UTC())
	}
	return d, nil
}

func parseMinLevel(q url.Values) (risk.Level, error) {
	v, err := single(q, paramMinLevel, "low, moderate, high or severe")
	if err != nil || v == "" {
		return risk.Low, err
	}
	for _, l := range risk.Levels {
		if l.String() == v {
			return l, nil
		}
	}
	return risk.Low, paramErr(paramMinLevel, v, "is not a level", "low, moderate, high or severe")
}

// riskModelJSON documents the parameters an answer was computed with.
func (r *riskService) riskModelJSON() map[string]any {
	p := r.p
	return map[string]any{
		"cell_size_3857_m": p.CellSize,
		"window_days":      p.WindowDays,
		"sigma_km":         p.SigmaKM,
		"cutoff_km":        p.CutoffMetres() / 1000,
		"half_life_days":   p.HalfLifeDays,
		"kind_weights": map[string]float64{string(risk.KindTruffle): p.Weights.TruffleGatherers,
			string(risk.KindExplosive): p.Weights.Explosive, string(risk.KindCivilians): p.Weights.Civilians,
			string(risk.KindOther): p.Weights.Other},
		"injured_weight": p.InjuredWeight,
		"thresholds":     map[string]float64{"moderate": p.Thresholds[0], "high": p.Thresholds[1], "severe": p.Thresholds[2]},
		"distance":       "great circle on the sphere of radius 6371008.77 m (PostGIS geography, use_spheroid false)",
		"docs":           "docs/RISK.md",
	}
}

func round(v float64, digits int) float64 {
	m := math.Pow(10, float64(digits))
	return math.Round(v*m) / m
}

func roundPoint(p orb.Point) orb.Point { return orb.Point{round(p[0], 6), round(p[1], 6)} }

func roundPolygon(poly orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(poly))
	for k, ring := range poly {
		out[k] = make(orb.Ring, len(ring))
		for n, p := range ring {
			out[k][n] = roundPoint(p)
		}
	}
	return out
}

func cellProps(z *risk.Zones, k int) map[string]any {
	c, s := z.Grid.Cells[k], z.Scores[k]
	return map[string]any{
		"cell": c.ID.String(), "i": c.ID.I, "j": c.ID.J,
		"level": z.Level(k).String(), "level_rank": int(z.Level(k)),
		"score": round(s.Score, 6), "incidents": s.Incidents,
		"region": c.Region, "area_km2": round(c.AreaKM2, 3),
		"centre": roundPoint(c.Centre),
	}
}

// zonesRequest parses what every zones format takes.
func (r *riskService) zonesRequest(c *echo.Context) (*risk.Zones, geo.IncidentFilter, risk.Level, error) {
	f, err := r.s.filter(c, paramDate, paramMinLevel)
	if err != nil {
		return nil, f, 0, err
	}
	day, err := riskDay(c.QueryParams())
	if err != nil {
		return nil, f, 0, err
	}
	min, err := parseMinLevel(c.QueryParams())
	if err != nil {
		return nil, f, 0, err
	}
	z, err := r.zonesFor(c.Request().Context(), day, f)
	return z, f, min, err
}

func zonesFileName(z *risk.Zones, f geo.IncidentFilter, ext string) string {
	return downloadName("badiamap-risk-"+z.Day.Format(geo.DateLayout), f, ext)
}

// serveZones answers the scored grid as a GeoJSON FeatureCollection.
func (r *riskService) serveZones(c *echo.Context) error {
	z, f, min, err := r.zonesRequest(c)
	if err != nil {
		return err
	}
	feats := make([]map[string]any, 0, len(z.Scores))
	levels := map[string]int{}
	for k := range z.Scores {
		levels[z.Level(k).String()]++
		if z.Level(k) < min {
			continue
		}
		feats = append(feats, map[string]any{
			"type": "Feature", "id": z.Grid.Cells[k].ID.String(),
			"geometry":   map[string]any{"type": "Polygon", "coordinates": roundPolygon(z.Grid.Hexagon(z.Grid.Cells[k].ID))},
			"properties": cellProps(z, k),
		})
	}
	doc := r.s.metadata(f)
	doc["type"] = "FeatureCollection"
	doc["name"] = "badiamap truffle-picking risk zones"
	doc["date"] = z.Day.Format(geo.DateLayout)
	doc["truffle_season"] = risk.InTruffleSeason(z.Day)
	doc["model"] = r.riskModelJSON()
	doc["cells"] = len(z.Scores)
	doc["levels"] = levels
	doc["badia_area_km2"] = round(z.Grid.AreaKM2, 1)
	doc["features"] = feats
	if strings.HasSuffix(c.Request().URL.Path, ".geojson") {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+zonesFileName(z, f, "geojson")+`"`)
	}
	return writeJSON(c, http.StatusOK, "application/geo+json", doc)
}

// kmlColours are the level colours in KML's aabbggrr order.
var kmlColours = map[risk.Level]string{risk.Low: "401a9850", risk.Moderate: "a008c0fe", risk.High: "b0248cfd", risk.Severe: "c01c1ad7"}

// serveZonesKML answers the scored grid as a KML download, one styled
// placemark per cell.
func (r *riskService) serveZonesKML(c *echo.Context) error {
	z, f, min, err := r.zonesRequest(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/vnd.google-earth.kml+xml; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+zonesFileName(z, f, "kml")+`"`)
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	w := c.Response()
	esc := func(s string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>\n<name>%s</name>\n",
		esc("badiamap risk zones "+z.Day.Format(geo.DateLayout)))
	fmt.Fprintf(w, "<description>%s</description>\n", esc(fmt.Sprintf(
		"Truffle-picking risk on %s (model: docs/RISK.md; window %d days, sigma %g km, half-life %g days). %s",
		z.Day.Format(geo.DateLayout), r.p.WindowDays, r.p.SigmaKM, r.p.HalfLifeDays, licenceSummary(r.s.cfg.Credits))))
	for _, l := range risk.Levels {
		fmt.Fprintf(w, "<Style id=\"%s\"><LineStyle><color>ff555555</color><width>0.5</width></LineStyle><PolyStyle><color>%s</color></PolyStyle></Style>\n", l, kmlColours[l])
	}
	for k := range z.Scores {
		if z.Level(k) < min {
			continue
		}
		cell := z.Grid.Cells[k]
		var coords strings.Builder
		for n, p := range z.Grid.Hexagon(cell.ID)[0] {
			if n > 0 {
				coords.WriteByte(' ')
			}
			fmt.Fprintf(&coords, "%s,%s", strconv.FormatFloat(round(p[0], 6), 'f', -1, 64), strconv.FormatFloat(round(p[1], 6), 'f', -1, 64))
		}
		fmt.Fprintf(w, "<Placemark><name>%s %s</name><styleUrl>#%s</styleUrl><ExtendedData>"+
			"<Data name=\"level\"><value>%s</value></Data><Data name=\"score\"><value>%g</value></Data>"+
			"<Data name=\"incidents\"><value>%d</value></Data><Data name=\"region\"><value>%s</value></Data></ExtendedData>"+
			"<Polygon><outerBoundaryIs><LinearRing><coordinates>%s</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>\n",
			cell.ID, z.Level(k), z.Level(k), z.Level(k), round(z.Scores[k].Score, 6), z.Scores[k].Incidents, esc(cell.Region), coords.String())
	}
	_, err = io.WriteString(w, "</Document></kml>\n")
	return err
}

// contributorJSON is one incident behind a check's answer.
func contributorJSON(c risk.Contributor) map[string]any {
	inc := c.Incident
	return map[string]any{
		"id": inc.ID, "external_id": inc.ExternalID, "date": inc.DateStart.Format(geo.DateLayout),
		"age_days": c.AgeDays, "event_type": inc.EventType, "sub_event_type": inc.SubEventType,
		"kind": string(c.Kind), "location_name": inc.LocationName, "location": roundPoint(inc.Location),
		"distance_km": round(c.DistanceM/1000, 2), "killed": inc.Casualties.Killed(),
		"victims": casualtyMap(inc.Casualties), "perpetrator": inc.Perpetrator, "target": inc.Target,
		"contribution": round(c.Contribution, 6), "share": round(c.Share, 4),
	}
}

func (r *riskService) regionJSON(badia []geo.Region, code string) any {
	for _, reg := range badia {
		if reg.Code == code {
			return map[string]any{"code": reg.Code, "name_en": reg.NameEN, "name_ar": reg.NameAR, "parent": reg.Parent}
		}
	}
	return nil
}

func parseCoord(q url.Values, name string, lo, hi float64) (float64, error) {
	accepts := fmt.Sprintf("a number from %g to %g", lo, hi)
	v, err := single(q, name, accepts)
	if err != nil {
		return 0, err
	}
	if v == "" {
		return 0, paramErr(name, v, "is required", accepts)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, paramErr(name, v, "is not a number", accepts)
	}
	if x < lo || x > hi {
		return 0, paramErr(name, v, "is out of range", accepts)
	}
	return x, nil
}

// checkPoint answers GET /api/risk/check?lon=&lat=&date=.
func (r *riskService) checkPoint(c *echo.Context) error {
	f, err := r.s.filter(c, paramLon, paramLat, paramDate)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	lon, err := parseCoord(q, paramLon, -180, 180)
	if err != nil {
		return err
	}
	lat, err := parseCoord(q, paramLat, -90, 90)
	if err != nil {
		return err
	}
	pt := orb.Point{lon, lat}
	if !geo.SyriaBound.Contains(pt) {
		p := badRequest(fmt.Sprintf("longitude %g, latitude %g is outside Syria; the risk model covers the Syrian Badia", lon, lat))
		if geo.SyriaBound.Contains(orb.Point{lat, lon}) {
			p.Detail += " (latitude and longitude look swapped)"
		}
		p.Title = "Point outside the map"
		return p
	}
	day, err := riskDay(q)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	grid, badia, _, err := r.gridFor(ctx)
	if err != nil {
		return err
	}
	chk, err := risk.CheckPoint(ctx, r.s.store, grid, badia, r.p, day, f, pt, riskTopContributors)
	if err != nil {
		return r.s.storeError(err)
	}
	contrib := make([]map[string]any, len(chk.Contributors))
	for k, ct := range chk.Contributors {
		contrib[k] = contributorJSON(ct)
	}
	counts := make([]map[string]any, len(chk.Counts))
	for k, n := range chk.Counts {
		counts[k] = map[string]any{"within_km": n.WithinKM, "days": n.Days, "incidents": n.Incidents, "killed": n.Killed}
	}
	return writeJSON(c, http.StatusOK, "application/json", map[string]any{
		"point": roundPoint(pt), "date": day.Format(geo.DateLayout),
		"level": chk.Level.String(), "level_rank": int(chk.Level), "score": round(chk.Score, 6),
		"incidents": chk.Incidents,
		"cell":      map[string]any{"cell": chk.Cell.String(), "i": chk.Cell.I, "j": chk.Cell.J, "centre": roundPoint(chk.Centre), "in_grid": chk.InGrid},
		"region":    r.regionJSON(badia, chk.Region), "in_badia": chk.Region != "",
		"truffle_season": chk.TruffleSeason, "contributors": contrib, "counts": counts,
		"model": r.riskModelJSON(), "filter": filterJSON(f),
	})
}

// areaFromGeoJSON reads a Polygon or MultiPolygon from a geometry, a
// Feature or a FeatureCollection of one feature.
func areaFromGeoJSON(body []byte) (orb.MultiPolygon, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("the body is not JSON: %v", err)
	}
	var g orb.Geometry
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(body)
		if err != nil {
			return nil, fmt.Errorf("the body is not a GeoJSON FeatureCollection: %v", err)
		}
		if len(fc.Features) != 1 {
			return nil, fmt.Errorf("the FeatureCollection holds %d features; send exactly one polygon", len(fc.Features))
		}
		g = fc.Features[0].Geometry
	case "Feature":
		feat, err := geojson.UnmarshalFeature(body)
		if err != nil {
			return nil, fmt.Errorf("the body is not a GeoJSON Feature: %v", err)
		}
		g = feat.Geometry
	case "":
		return nil, errors.New(`the body has no GeoJSON "type"; send a Polygon, a MultiPolygon or a Feature holding one`)
	default:
		geom, err := geojson.UnmarshalGeometry(body)
		if err != nil {
			return nil, fmt.Errorf("the body is not a GeoJSON geometry: %v", err)
		}
		g = geom.Geometry()
	}
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	case orb.MultiPolygon:
		return g, nil
	case nil:
		return nil, errors.New("the feature has no geometry")
	default:
		return nil, fmt.Errorf("the geometry is a %s; an area check needs a Polygon or a MultiPolygon", g.GeoJSONType())
	}
}

// checkArea answers POST /api/risk/check with a GeoJSON polygon body.
func (r *riskService) checkArea(c *echo.Context) error {
	f, err := r.s.filter(c, paramDate)
	if err != nil {
		return err
	}
	day, err := riskDay(c.QueryParams())
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxRiskBody+1))
	if err != nil {
		return badRequest("The request body could not be read: " + err.Error())
	}
	if len(body) > maxRiskBody {
		return newProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than %d bytes; no gathering area needs that much.", maxRiskBody))
	}
	mp, err := areaFromGeoJSON(body)
	if err == nil {
		mp = risk.DropRepeats(mp)
		err = risk.ValidateArea(mp)
	}
	if err != nil {
		p := badRequest(err.Error())
		p.Title = "Invalid area"
		return p
	}
	ctx := c.Request().Context()
	grid, badia, _, err := r.gridFor(ctx)
	if err != nil {
		return err
	}
	a, err := risk.CheckArea(ctx, r.s.store, grid, r.p, day, f, mp, riskTopContributors)
	if err != nil {
		return r.s.storeError(err)
	}
	cells := make([]map[string]any, len(a.Cells))
	for k, cl := range a.Cells {
		cells[k] = map[string]any{"cell": cl.ID.String(), "i": cl.ID.I, "j": cl.ID.J, "area_km2": round(cl.AreaKM2, 4),
			"share": round(cl.Share, 6), "score": round(cl.Score, 6), "level": cl.Level.String(), "level_rank": int(cl.Level),
			"incidents": cl.Incidents, "in_grid": cl.InGrid, "centre": roundPoint(grid.Centre(cl.ID))}
	}
	contrib := make([]map[string]any, len(a.Contributors))
	for k, ct := range a.Contributors {
		contrib[k] = contributorJSON(ct)
	}
	regions := make([]any, 0, len(a.Regions))
	for _, code := range a.Regions {
		regions = append(regions, r.regionJSON(badia, code))
	}
	out := map[string]any{
		"date": day.Format(geo.DateLayout), "area_km2": round(a.AreaKM2, 3), "cells": cells,
		"area_weighted": map[string]any{"level": a.WeightedLevel.String(), "level_rank": int(a.WeightedLevel), "score": round(a.WeightedScore, 6)},
		"regions":       regions, "truffle_season": a.TruffleSeason, "contributors": contrib,
		"model": r.riskModelJSON(), "filter": filterJSON(f),
	}
	if len(a.Cells) > 0 {
		h := a.Cells[a.Highest]
		out["highest"] = map[string]any{"level": h.Level.String(), "level_rank": int(h.Level), "score": round(h.Score, 6), "cell": h.ID.String()}
	}
	return writeJSON(c, http.StatusOK, "application/json", out)
}

// MVTRisk is the layer of risk tiles.
const MVTRisk = "risk"

// riskTileFields are the properties of a "risk" tile feature.
var riskTileFields = []geo.TileField{
	{Name: "cell", Type: "String", Description: "cell id i:j in ST_HexagonGrid's numbering"},
	{Name: "level", Type: "String", Description: "low, moderate, high or severe"},
	{Name: "level_rank", Type: "Number", Description: "0 low, 1 moderate, 2 high, 3 severe"},
	{Name: "score", Type: "Number", Description: "risk score (docs/RISK.md)"},
	{Name: "incidents", Type: "Number", Description: "incidents counted in the score"},
	{Name: "region", Type: "String", Description: "Badia region holding most of the cell"},
}

// serveTile answers /tiles/risk/{z}/{x}/{y}.mvt: the grid's hexagons that
// reach into the tile, in tile units, uncompressed.
func (r *riskService) serveTile(c *echo.Context) error {
	yText, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		return notFound("Risk tiles are at /tiles/risk/{z}/{x}/{y}.mvt.")
	}
	req := geo.TileRequest{Layer: geo.TileAll}
	var err error
	for _, p := range []struct {
		name, text string
		v          *int
	}{{"z", c.Param("z"), &req.Z}, {"x", c.Param("x"), &req.X}, {"y", yText, &req.Y}} {
		if *p.v, err = parseTileCoord(p.name, p.text); err != nil {
			return tileProblem(err)
		}
	}
	if err := req.Validate(); err != nil {
		return tileProblem(err)
	}
	z, _, _, err := r.zonesRequest(c)
	if err != nil {
		return err
	}
	box := geo.TileBounds3857(req.Z, req.X, req.Y)
	size := box.MaxX - box.MinX
	toTile := func(x, y float64) orb.Point {
		return orb.Point{math.Round((x - box.MinX) / size * geo.TileExtent), math.Round((box.MaxY - y) / size * geo.TileExtent)}
	}
	fc := geojson.NewFeatureCollection()
	margin := size * geo.TileBuffer / geo.TileExtent
	for k, cell := range z.Grid.Cells {
		hex := z.Grid.Hexagon3857(cell.ID)
		b := hex.Bound()
		if b.Max[0] < box.MinX-margin || b.Min[0] > box.MaxX+margin || b.Max[1] < box.MinY-margin || b.Min[1] > box.MaxY+margin {
			continue
		}
		ring := make(orb.Ring, len(hex))
		for n, p := range hex {
			ring[n] = toTile(p[0], p[1])
		}
		// MVT wants exterior rings clockwise in tile (y-down) units: hexagons
		// run counter-clockwise in map units, which y-down flips.
		ft := geojson.NewFeature(orb.Polygon{ring})
		ft.ID = uint64(k + 1)
		props := cellProps(z, k)
		ft.Properties = geojson.Properties{"cell": props["cell"], "level": props["level"], "level_rank": props["level_rank"],
			"score": props["score"], "incidents": props["incidents"], "region": props["region"]}
		fc.Append(ft)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	if len(fc.Features) == 0 {
		return c.Blob(http.StatusOK, MIMEVectorTile, nil)
	}
	layer := &mvt.Layer{Name: MVTRisk, Version: 2, Extent: geo.TileExtent, Features: fc.Features}
	raw, err := mvt.Marshal(mvt.Layers{layer})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, MIMEVectorTile, raw)
}

// serveTileJSON answers /tiles/risk.json: TileJSON whose tile URL carries
// the request's date and filter.
func (r *riskService) serveTileJSON(c *echo.Context) error {
	f, err := r.s.filter(c, paramDate)
	if err != nil {
		return err
	}
	day, err := riskDay(c.QueryParams())
	if err != nil {
		return err
	}
	q := FilterQuery(f)
	q.Set(paramDate, day.Format(geo.DateLayout))
	return writeJSON(c, http.StatusOK, "application/json", map[string]any{
		"tilejson": "3.0.0", "name": "badiamap risk", "scheme": "xyz", "version": "1.0.0",
		"description": "Truffle-picking risk zones: the hexagonal grid over the Badia scored for " + day.Format(geo.DateLayout),
		"tiles":       []string{baseURL(c) + "/tiles/risk/{z}/{x}/{y}.mvt?" + q.Encode()},
		"minzoom":     0, "maxzoom": 16,
		"bounds": []float64{geo.SyriaBound.Min[0], geo.SyriaBound.Min[1], geo.SyriaBound.Max[0], geo.SyriaBound.Max[1]},
		"vector_layers": []vectorLayerJSON{{ID: MVTRisk, Description: "Risk cells with their level and score",
			MinZoom: 0, MaxZoom: 16, Fields: fieldsJSON(riskTileFields)}},
		"attribution": licenceSummary(r.s.cfg.Credits),
		"model":       r.riskModelJSON(),
	})
}
