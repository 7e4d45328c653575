package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/attribution"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
	"github.com/paulmach/orb"
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
	latest  time.Time // the latest incident's start date, zero for none
	zones   map[string]*risk.Zones
	order   []string // cache keys, oldest first
	// flights are the computations running now, by cache key: identical
	// concurrent requests wait for the same one.
	flights map[string]*zonesFlight
}

func newRiskService(s *Server, p risk.Params) *riskService {
	return &riskService{s: s, p: p, zones: map[string]*risk.Zones{}, flights: map[string]*zonesFlight{}}
}

// zonesFlight is one risk computation and the requests waiting for it. It
// runs on a context of its own (the heavy deadline), cancelled when every
// request waiting for it has left, so one client leaving does not fail
// the others.
type zonesFlight struct {
	done    chan struct{}
	z       *risk.Zones // set before done is closed
	err     error
	waiters int                // guarded by riskService.mu
	cancel  context.CancelFunc // guarded by riskService.mu; nil until admitted
}

// riskData is what every risk answer stands on, renewed with the data
// version: the grid, the Badia regions and the latest incident's date.
type riskData struct {
	grid    *risk.Grid
	badia   []geo.Region
	latest  time.Time
	version int64
}

// current returns the risk data of the store's current data: held while
// the data version has not moved past it, else read under the request's
// snapshot and kept under that snapshot's version.
func (r *riskService) current(ctx context.Context) (riskData, error) {
	v, err := r.s.dataVersion(ctx)
	if err != nil {
		return riskData{}, r.s.storeError(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.grid != nil && r.version >= v {
		return riskData{r.grid, r.badia, r.latest, r.version}, nil
	}
	if v, err = r.s.store.DataVersion(ctx); err != nil {
		return riskData{}, r.s.storeError(err)
	}
	if r.grid != nil && r.version >= v { // the snapshot is no newer than what is held
		return riskData{r.grid, r.badia, r.latest, r.version}, nil
	}
	badia, err := r.s.store.Regions(ctx, geo.KindBadia)
	if err != nil {
		return riskData{}, r.s.storeError(err)
	}
	grid, err := risk.NewGrid(r.p.CellSize, badia)
	if err != nil {
		return riskData{}, newProblem(http.StatusServiceUnavailable, "The risk grid cannot be laid: "+err.Error())
	}
	latest, err := risk.LatestIncidentDate(ctx, r.s.store)
	if err != nil {
		return riskData{}, r.s.storeError(err)
	}
	r.grid, r.badia, r.latest, r.version = grid, badia, latest, v
	r.zones, r.order = map[string]*risk.Zones{}, nil
	return riskData{grid, badia, latest, v}, nil
}

// chooseDay is the reference day of an answer: the one asked for, else the
// latest incident's (risk.ChooseDay), with whether the data reach it.
func (r *riskService) chooseDay(c *echo.Context) (risk.DayChoice, riskData, error) {
	requested, err := request.Day(c.QueryParams())
	if err != nil {
		return risk.DayChoice{}, riskData{}, err
	}
	d, err := r.current(c.Request().Context())
	if err != nil {
		return risk.DayChoice{}, riskData{}, err
	}
	return risk.ChooseDay(requested, d.latest, time.Now().UTC()), d, nil
}

// dayJSON puts the reference day and how it was chosen into an answer.
func dayJSON(out map[string]any, day risk.DayChoice) {
	out["date"] = day.Day.Format(geo.DateLayout)
	out["date_source"] = string(day.Source)
	out["latest_incident"] = dateOrNil(day.Latest)
	out["stale"] = day.Stale
	if day.Stale {
		out["message"] = day.Message
	}
}

// zonesQuery is what every zones answer (GeoJSON, KML, tiles) asks for.
type zonesQuery struct {
	filter geo.IncidentFilter
	day    risk.DayChoice
	min    risk.Level
}

// key names the scored grid a query needs (the minimum level only cuts
// what is shown).
func (q zonesQuery) key() string {
	return q.day.Day.Format(geo.DateLayout) + "|" + request.FilterQuery(q.filter).Encode()
}

func (r *riskService) parseZones(c *echo.Context) (zonesQuery, error) {
	var zq zonesQuery
	var err error
	if zq.filter, err = r.s.filter(c); err != nil {
		return zq, err
	}
	if zq.min, err = request.Level(c.QueryParams()); err != nil {
		return zq, err
	}
	zq.day, _, err = r.chooseDay(c)
	return zq, err
}

// zonesFor scores the grid for zq: from the cache when it can, else by
// waiting for the identical computation in flight, else by leading one.
// Only the leader is admitted as heavy work (rate limit and slot), so a
// map's dozen tile requests for a new day cost one computation and one
// token.
func (r *riskService) zonesFor(ctx context.Context, zq zonesQuery) (*risk.Zones, error) {
	z, _, err := r.zonesAt(ctx, zq)
	return z, err
}

// zonesAt is zonesFor with the data version the zones were scored at.
func (r *riskService) zonesAt(ctx context.Context, zq zonesQuery) (*risk.Zones, int64, error) {
	d, err := r.current(ctx)
	if err != nil {
		return nil, 0, err
	}
	key := fmt.Sprintf("%d|%s", d.version, zq.key())
	for {
		r.mu.Lock()
		if z := r.zones[key]; z != nil {
			r.mu.Unlock()
			return z, d.version, nil
		}
		f := r.flights[key]
		leader := f == nil
		if leader {
			f = &zonesFlight{done: make(chan struct{})}
			r.flights[key] = f
		}
		f.waiters++
		r.mu.Unlock()
		if leader {
			r.lead(ctx, key, f, d, zq)
		}
		z, err := r.await(ctx, key, f)
		var pe *Problem
		if !leader && errors.As(err, &pe) && pe.Status == http.StatusTooManyRequests {
			continue // the leader's client was over its rate limit; this one may not be
		}
		return z, d.version, err
	}
}

// lead admits the computation of flight f and starts it, on a context of
// its own (the heavy deadline); a refused admission ends the flight with
// the refusal.
func (r *riskService) lead(ctx context.Context, key string, f *zonesFlight, d riskData, zq zonesQuery) {
	release, err := r.s.admit(ctx)
	if err != nil {
		r.end(key, f, d.version, nil, err, false)
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.s.limits.HeavyTimeout)
	r.mu.Lock()
	f.cancel = cancel
	r.mu.Unlock()
	r.s.metrics.riskComputations.Inc()
	go func() {
		defer release()
		defer cancel()
		// A snapshot of its own: the computation outlives the request that
		// leads it. Its zones are kept only if it is of the grid's version.
		sctx, end := r.s.freshSnapshot(fctx)
		defer end()
		version, err := r.s.store.DataVersion(sctx)
		var z *risk.Zones
		if err == nil {
			z, err = risk.Score(sctx, r.s.store, d.grid, r.p, zq.day.Day, zq.filter)
		}
		if err != nil {
			err = r.s.storeError(err)
		}
		r.end(key, f, d.version, z, err, version == d.version)
	}()
}

// end gives flight f its result, caching zones of the current data when
// keep says they are of version.
func (r *riskService) end(key string, f *zonesFlight, version int64, z *risk.Zones, err error, keep bool) {
	r.mu.Lock()
	if r.flights[key] == f {
		delete(r.flights, key)
	}
	if err == nil && keep && r.version == version {
		if _, ok := r.zones[key]; !ok {
			r.zones[key] = z
			r.order = append(r.order, key)
			if len(r.order) > riskZonesCached {
				delete(r.zones, r.order[0])
				r.order = r.order[1:]
			}
		}
	}
	f.z, f.err = z, err
	r.mu.Unlock()
	close(f.done)
}

// await waits for flight f until ctx ends; the last request to leave
// cancels the computation, and a request coming later starts afresh.
func (r *riskService) await(ctx context.Context, key string, f *zonesFlight) (*risk.Zones, error) {
	select {
	case <-f.done:
		return f.z, f.err
	case <-ctx.Done():
		r.mu.Lock()
		if f.waiters--; f.waiters == 0 {
			if f.cancel != nil {
				f.cancel()
			}
			if r.flights[key] == f {
				delete(r.flights, key)
			}
		}
		r.mu.Unlock()
		return nil, ctx.Err()
	}
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
		"scored":         fmt.Sprintf("incidents located to within about 25 km (geo_precision 1 to %d); coarser ones are left out and counted", risk.MaxScoredPrecision),
		"scale":          p.ScaleNote(),
		"held_out_skill": risk.HeldOutSkill.Verdict(),
		"docs":           "docs/RISK.md",
	}
}

// levelJSON is a level, its rank and what it means.
func (r *riskService) levelJSON(l risk.Level) map[string]any {
	return map[string]any{"level": l.String(), "level_rank": int(l), "meaning": risk.HeldOutSkill.LevelMeaning(r.p, l)}
}

func roundPoint(p orb.Point) orb.Point { return orb.Point{risk.Round(p[0], 6), risk.Round(p[1], 6)} }

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

// levelMeanings says what each level means, by level.
func (r *riskService) levelMeanings() map[string]string {
	out := map[string]string{}
	for _, l := range append([]risk.Level{risk.NotAssessed}, risk.Levels...) {
		out[l.String()] = risk.HeldOutSkill.LevelMeaning(r.p, l)
	}
	return out
}

// leftOutJSON counts the incidents of a window not scored: located more
// coarsely than the model takes.
func leftOutJSON(n int, note string) map[string]any {
	out := map[string]any{"incidents": n,
		"reason": fmt.Sprintf("located more coarsely than about 25 km (geo_precision above %d): not scored", risk.MaxScoredPrecision)}
	if note != "" {
		out["note"] = note
	}
	return out
}

func cellProps(z *risk.Zones, k int) map[string]any {
	c, s := z.Grid.Cells[k], z.Scores[k]
	return map[string]any{
		"cell": c.ID.String(), "i": c.ID.I, "j": c.ID.J,
		"level": z.Level(k).String(), "level_rank": int(z.Level(k)),
		"score": risk.Round(s.Score, 6), "incidents": s.Incidents, "left_out": s.LeftOut,
		"region": c.Region, "area_km2": risk.Round(c.AreaKM2, 3),
		"centre": roundPoint(c.Centre),
	}
}

func zonesFileName(z *risk.Zones, f geo.IncidentFilter, ext string) string {
	return downloadName("badiamap-risk-"+z.Day.Format(geo.DateLayout), f, ext)
}

// serveZones answers the scored grid as a GeoJSON FeatureCollection.
func (r *riskService) serveZones(c *echo.Context) error {
	zq, err := r.parseZones(c)
	if err != nil {
		return err
	}
	z, err := r.zonesFor(c.Request().Context(), zq)
	if err != nil {
		return err
	}
	feats := make([]map[string]any, 0, len(z.Scores))
	levels := map[string]int{}
	leftOut := 0
	for k := range z.Scores {
		leftOut += z.Scores[k].LeftOut
		levels[z.Level(k).String()]++
		if z.Level(k) < zq.min {
			continue
		}
		feats = append(feats, map[string]any{
			"type": "Feature", "id": z.Grid.Cells[k].ID.String(),
			"geometry":   map[string]any{"type": "Polygon", "coordinates": roundPolygon(z.Grid.Hexagon(z.Grid.Cells[k].ID))},
			"properties": cellProps(z, k),
		})
	}
	doc := r.s.metadata(zq.filter)
	doc["type"] = "FeatureCollection"
	doc["name"] = "badiamap truffle-picking risk zones"
	dayJSON(doc, zq.day)
	doc["truffle_season"] = risk.InTruffleSeason(z.Day)
	doc["model"] = r.riskModelJSON()
	doc["cells"] = len(z.Scores)
	doc["levels"] = levels
	doc["level_meanings"] = r.levelMeanings()
	doc["left_out"] = leftOutJSON(leftOut, "summed over the cells: an incident near several cells counts in each")
	doc["badia_area_km2"] = risk.Round(z.Grid.AreaKM2, 1)
	doc["features"] = feats
	if strings.HasSuffix(c.Request().URL.Path, ".geojson") {
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+zonesFileName(z, zq.filter, "geojson")+`"`)
	}
	return writeJSON(c, http.StatusOK, MIMEGeoJSON, doc)
}

// serveZonesKML answers the scored grid as a KML download, one styled
// placemark per cell.
func (r *riskService) serveZonesKML(c *echo.Context) error {
	zq, err := r.parseZones(c)
	if err != nil {
		return err
	}
	z, err := r.zonesFor(c.Request().Context(), zq)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, mimeKML+"; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+zonesFileName(z, zq.filter, "kml")+`"`)
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	description := fmt.Sprintf("Truffle-picking risk on %s (%s; model: docs/RISK.md; window %d days, sigma %g km, half-life %g days). %s %s",
		z.Day.Format(geo.DateLayout), zq.day.Source, r.p.WindowDays, r.p.SigmaKM, r.p.HalfLifeDays, r.p.ScaleNote(), attribution.Licences(r.s.cfg.Credits))
	if zq.day.Stale {
		description = "STALE: " + zq.day.Message + ". " + description
	}
	return writeZonesKML(c.Response(), z, zq.min, "badiamap risk zones "+z.Day.Format(geo.DateLayout), description)
}

// contributorJSON is one incident behind a check's answer.
func contributorJSON(c risk.Contributor) map[string]any {
	inc := c.Incident
	return map[string]any{
		"id": inc.ID, "external_id": inc.ExternalID, "date": inc.DateStart.Format(geo.DateLayout),
		"age_days": c.AgeDays, "event_type": inc.EventType, "sub_event_type": inc.SubEventType,
		"kind": string(c.Kind), "location_name": inc.LocationName, "location": roundPoint(inc.Location),
		"distance_km": risk.Round(c.DistanceM/1000, 2), "killed": inc.Casualties.Killed(),
		"victims": inc.Casualties.Map(), "perpetrator": inc.Perpetrator, "target": inc.Target,
		"contribution": risk.Round(c.Contribution, 6), "share": risk.Round(c.Share, 4),
		"victims_counted": c.Victims, "victims_label": c.VictimsLabel, "reason": c.Reason,
	}
}

func regionJSON(badia []geo.Region, code string) any {
	for _, reg := range badia {
		if reg.Code == code {
			return map[string]any{"code": reg.Code, "name_en": reg.NameEN, "name_ar": reg.NameAR, "parent": reg.Parent}
		}
	}
	return nil
}

// checkPoint answers GET /api/risk/check?lon=&lat=&date=.
func (r *riskService) checkPoint(c *echo.Context) error {
	f, err := r.s.filter(c)
	if err != nil {
		return err
	}
	pt, err := request.Point(c.QueryParams())
	if err != nil {
		return err
	}
	if !geo.SyriaBound.Contains(pt) {
		p := badRequest(fmt.Sprintf("longitude %g, latitude %g is outside Syria; the risk model covers the Syrian Badia", pt[0], pt[1]))
		if geo.SyriaBound.Contains(orb.Point{pt[1], pt[0]}) {
			p.Detail += " (latitude and longitude look swapped)"
		}
		p.Title = "Point outside the map"
		return p
	}
	day, d, err := r.chooseDay(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	chk, err := risk.CheckPoint(ctx, r.s.store, d.grid, d.badia, r.p, day.Day, f, pt, riskTopContributors)
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
	out := r.levelJSON(chk.Level)
	dayJSON(out, day)
	for k, v := range map[string]any{
		"point": roundPoint(pt), "score": risk.Round(chk.Score, 6), "incidents": chk.Incidents,
		"left_out": leftOutJSON(chk.LeftOut, ""),
		"cell":     map[string]any{"cell": chk.Cell.String(), "i": chk.Cell.I, "j": chk.Cell.J, "centre": roundPoint(chk.Centre), "in_grid": chk.InGrid},
		"region":   regionJSON(d.badia, chk.Region), "in_badia": chk.Region != "",
		"truffle_season": chk.TruffleSeason, "contributors": contrib, "counts": counts,
		"model": r.riskModelJSON(), "filter": request.FilterJSON(f),
	} {
		out[k] = v
	}
	if chk.Reason != "" {
		out["reason"] = chk.Reason
	}
	return writeJSON(c, http.StatusOK, mimeJSON, out)
}

// checkArea answers POST /api/risk/check with a GeoJSON polygon body.
func (r *riskService) checkArea(c *echo.Context) error {
	f, err := r.s.filter(c)
	if err != nil {
		return err
	}
	body, err := readBody(c.Request(), maxRiskBody)
	if err != nil {
		return err
	}
	mp, err := risk.AreaFromGeoJSON(body)
	if err != nil {
		p := badRequest(err.Error())
		p.Title = "Invalid area"
		return p
	}
	day, d, err := r.chooseDay(c)
	if err != nil {
		return err
	}
	release, err := r.s.admit(c.Request().Context())
	if err != nil {
		return err
	}
	defer release()
	grid, badia := d.grid, d.badia
	a, err := risk.CheckArea(c.Request().Context(), r.s.store, grid, r.p, day.Day, f, mp, riskTopContributors)
	if err != nil {
		return r.s.storeError(err)
	}
	cells := make([]map[string]any, len(a.Cells))
	for k, cl := range a.Cells {
		cells[k] = map[string]any{"cell": cl.ID.String(), "i": cl.ID.I, "j": cl.ID.J, "area_km2": risk.Round(cl.AreaKM2, 4),
			"share": risk.Round(cl.Share, 6), "score": risk.Round(cl.Score, 6), "level": cl.Level.String(), "level_rank": int(cl.Level),
			"incidents": cl.Incidents, "in_grid": cl.InGrid, "centre": roundPoint(grid.Centre(cl.ID))}
	}
	contrib := make([]map[string]any, len(a.Contributors))
	for k, ct := range a.Contributors {
		contrib[k] = contributorJSON(ct)
	}
	regions := make([]any, 0, len(a.Regions))
	for _, code := range a.Regions {
		regions = append(regions, regionJSON(badia, code))
	}
	weighted := r.levelJSON(a.WeightedLevel)
	weighted["score"] = risk.Round(a.WeightedScore, 6)
	if a.Reason != "" {
		weighted["reason"] = a.Reason
	}
	out := map[string]any{
		"area_km2": risk.Round(a.AreaKM2, 3), "cells": cells, "assessed_share": risk.Round(a.AssessedShare, 4),
		"area_weighted": weighted, "left_out": leftOutJSON(a.LeftOut, "summed over the area's cells"),
		"regions": regions, "truffle_season": a.TruffleSeason, "contributors": contrib,
		"model": r.riskModelJSON(), "filter": request.FilterJSON(f),
	}
	dayJSON(out, day)
	if len(a.Cells) > 0 && a.WeightedLevel != risk.NotAssessed {
		h := a.Cells[a.Highest]
		highest := r.levelJSON(h.Level)
		highest["score"], highest["cell"] = risk.Round(h.Score, 6), h.ID.String()
		out["highest"] = highest
	}
	return writeJSON(c, http.StatusOK, mimeJSON, out)
}

// tile reads a risk tile request: its address, date, level and filter.
func (r *riskService) tile(c *echo.Context) (tileJob, error) {
	addr, err := request.TileAddress(c.Param("z"), c.Param("x"), c.Param("y"))
	if err != nil {
		return tileJob{}, err
	}
	zq, err := r.parseZones(c)
	if err != nil {
		return tileJob{}, err
	}
	key := fmt.Sprintf("risk/%d/%d/%d?%s#%s", addr.Z, addr.X, addr.Y, zq.key(), zq.min)
	// Risk is scored over wide areas: any incident write may change any
	// risk tile, so each is cached as the whole world's.
	return tileJob{key: key, tile: geo.TileAddr{}, incidents: true, build: func(ctx context.Context) (geo.BuiltTile, error) {
		z, version, err := r.zonesAt(ctx, zq)
		if err != nil {
			return geo.BuiltTile{}, err
		}
		b, err := z.Tile(addr.Z, addr.X, addr.Y, zq.min)
		return geo.BuiltTile{MVT: b, Version: version}, err
	}}, nil
}

// serveTileJSON answers /tiles/risk.json: TileJSON whose tile URL carries
// the request's date, level and filter.
func (r *riskService) serveTileJSON(c *echo.Context) error {
	zq, err := r.parseZones(c)
	if err != nil {
		return err
	}
	q := request.FilterQuery(zq.filter)
	q.Set(request.RiskDate.Name, zq.day.Day.Format(geo.DateLayout))
	if zq.min != risk.Low {
		q.Set(request.MinLevel.Name, zq.min.String())
	}
	t := r.s.tiles
	layers := []vectorLayerJSON{{ID: risk.MVTLayer, Description: "Risk cells with their level and score",
		MinZoom: 0, MaxZoom: t.cfg.MaxZoom, Fields: fieldsJSON(risk.TileFields)}}
	return t.tileJSON(c, "badiamap risk",
		"Truffle-picking risk zones: the hexagonal grid over the Badia scored for "+zq.day.Day.Format(geo.DateLayout)+" ("+string(zq.day.Source)+")",
		r.s.baseURL(c)+"/tiles/risk/{z}/{x}/{y}.mvt?"+q.Encode(), geo.SyriaBound, layers,
		map[string]any{"model": r.riskModelJSON(), "filter": request.FilterJSON(zq.filter)})
}
