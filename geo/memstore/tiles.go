package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"
)

var _ geo.TileStore = (*Store)(nil)

// Tile builds the MVT of req with orb's encoding/mvt, by the rules of
// geo/tile.go, so it holds the same features as the PostGIS store's tile.
// A tile is read in chunks under short read locks, so a write may land
// between them: the tile is built again when the data version moved, so it
// shows one state of the store, as a PostGIS tile (one transaction) does.
func (s *Store) Tile(ctx context.Context, req geo.TileRequest) (geo.BuiltTile, error) {
	if err := req.Validate(); err != nil {
		return geo.BuiltTile{}, err
	}
	for attempt := 1; ; attempt++ {
		before, err := s.DataVersion(ctx)
		if err != nil {
			return geo.BuiltTile{}, err
		}
		tile, err := s.buildTile(ctx, req)
		if err != nil {
			return geo.BuiltTile{}, err
		}
		after, err := s.DataVersion(ctx)
		if err != nil {
			return geo.BuiltTile{}, err
		}
		if after == before {
			return geo.BuiltTile{MVT: tile, Version: before}, nil
		}
		if attempt == maxTileAttempts {
			return geo.BuiltTile{MVT: tile}, nil // not one state: answered, never cached
		}
	}
}

// maxTileAttempts bounds the builds of one tile while writes keep landing
// (an import is one write, so a second build almost always holds).
const maxTileAttempts = 5

// testHookTileWalked, when set by a test, runs between the two passes of an
// incidents tile: after its cells are counted, before its points are read.
var testHookTileWalked func()

// buildTile is one build of req's tile.
func (s *Store) buildTile(ctx context.Context, req geo.TileRequest) ([]byte, error) {
	box := geo.TileBounds3857(req.Z, req.X, req.Y)
	var out []byte
	if req.HasGovernorates() || req.HasBadiaRegions() {
		var kinds []geo.RegionKind
		if req.HasGovernorates() {
			kinds = append(kinds, geo.KindGovernorate)
		}
		if req.HasBadiaRegions() {
			kinds = append(kinds, geo.KindBadia)
		}
		regions, err := s.Regions(ctx, kinds...)
		if err != nil {
			return nil, err
		}
		var layers mvt.Layers
		if req.HasGovernorates() {
			layers = appendLayer(layers, regionLayer(geo.MVTGovernorates, geo.KindGovernorate, regions, box))
		}
		if req.HasBadiaRegions() {
			layers = appendLayer(layers, regionLayer(geo.MVTBadiaRegions, geo.KindBadia, regions, box))
		}
		if len(layers) > 0 {
			b, err := mvt.Marshal(layers)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
		}
	}
	if req.HasIncidents() {
		b, err := s.incidentLayers(ctx, &req)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// incidentLayers are req's clusters, incidents and tile_info layers: the
// cells counted (from the pyramid when it can answer), planned, the
// incidents of the point cells read, and planned again tighter if the
// layers came out over the budget.
func (s *Store) incidentLayers(ctx context.Context, req *geo.TileRequest) ([]byte, error) {
	t := req.Addr()
	f := req.DrawnFilter()
	var cells []geo.TileCell
	ok := false
	var err error
	if req.Unfiltered() {
		if cells, ok, err = s.pyramidCells(ctx, t); err != nil {
			return nil, err
		}
	}
	if !ok {
		if cells, err = s.countCells(ctx, f, t); err != nil {
			return nil, err
		}
	}
	if testHookTileWalked != nil {
		testHookTileWalked()
	}
	var points []*geojson.Feature
	pointsRead := -1 // the plan's Points the features were read for
	for squeeze := 0; ; squeeze++ {
		plan := geo.PlanTile(req, cells, squeeze)
		clusters, info, err := plan.Layers()
		if err != nil {
			return nil, err
		}
		var pts []byte
		if plan.Points > 0 {
			if pointsRead != plan.Points {
				if points, err = s.pointFeatures(ctx, f, &plan, req.IncidentProperties()); err != nil {
					return nil, err
				}
				pointsRead = plan.Points
			}
			if pts, err = mvt.Marshal(mvt.Layers{newLayer(geo.MVTIncidents, points)}); err != nil {
				return nil, err
			}
		}
		if len(clusters)+len(pts)+len(info) <= plan.Budget || squeeze >= geo.SqueezeLimit {
			return slices.Concat(clusters, pts, info), nil
		}
	}
}

// countCells counts the tile's incidents f matches into its cluster grid,
// as they are walked: memory is one cell per non-empty cell, whatever the
// number of incidents.
func (s *Store) countCells(ctx context.Context, f geo.IncidentFilter, t geo.TileAddr) ([]geo.TileCell, error) {
	var cells [geo.ClusterGrid * geo.ClusterGrid]*geo.TileCell
	var list []*geo.TileCell
	err := s.tileWalk(ctx, f, t, func(id uint32, r *record, x, y float64) {
		cx, cy := t.GridCell(x, y, 0)
		i := cy*geo.ClusterGrid + cx
		c := cells[i]
		if c == nil {
			c = &geo.TileCell{X: cx, Y: cy}
			cells[i] = c
			list = append(list, c)
		}
		c.Add(int64(id), casStruct(&r.cas), fromDay(r.dateStart), x, y)
	})
	out := make([]geo.TileCell, len(list))
	for i, c := range list {
		out[i] = *c
	}
	return out, err
}

// pointFeatures are the features of the incidents of plan's point cells,
// killed descending then id, with the properties props. Only those are
// built: memory grows with the plan's points, not with the matches.
func (s *Store) pointFeatures(ctx context.Context, f geo.IncidentFilter, plan *geo.TilePlan, props []string) ([]*geojson.Feature, error) {
	t := plan.Tile
	kept := make([]geo.RankedIncident, 0, plan.Points)
	err := s.tileWalk(ctx, f, t, func(id uint32, r *record, x, y float64) {
		if cx, cy := t.GridCell(x, y, 0); plan.PointCell(cx, cy) {
			kept = append(kept, geo.RankedIncident{ID: int64(id), Killed: r.killed()})
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(kept, func(a, b geo.RankedIncident) int {
		if a.Before(b) {
			return -1
		}
		if b.Before(a) {
			return 1
		}
		return 0
	})
	box := t.Bounds()
	out := make([]*geojson.Feature, 0, len(kept))
	var inc geo.Incident
	for start := 0; start < len(kept); start += scanChunk {
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			return nil, errClosed
		}
		for _, k := range kept[start:min(start+scanChunk, len(kept))] {
			s.recs.at(uint32(k.ID)).fill(&inc, k.ID, s.syms.list, false)
			x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
			feat := geojson.NewFeature(box.ToTile(x, y))
			feat.ID = uint64(k.ID)
			feat.Properties = IncidentTileProperties(&inc, props)
			out = append(out, feat)
		}
		s.mu.RUnlock()
	}
	return out, nil
}

func newLayer(name string, feats []*geojson.Feature) *mvt.Layer {
	return &mvt.Layer{Name: name, Version: 2, Extent: geo.TileExtent, Features: feats}
}

// appendLayer leaves out layers with no feature, as ST_AsMVT does.
func appendLayer(ls mvt.Layers, l *mvt.Layer) mvt.Layers {
	if len(l.Features) == 0 {
		return ls
	}
	return append(ls, l)
}

// tileWalk calls visit for each incident f matches that tile t holds, with
// its record and EPSG:3857 position. It copies nothing: visit runs under
// the read lock, one chunk of candidates at a time, and must not keep r.
// The candidates are those in the tile's lon/lat box (widened a little),
// kept by the tile's key range (geo.CellOf's rule).
func (s *Store) tileWalk(ctx context.Context, f geo.IncidentFilter, t geo.TileAddr, visit func(id uint32, r *record, x, y float64)) error {
	const margin = 1e-7 // degrees; the exact test is on the key below
	box := t.Bounds()
	lo, hi := t.KeyRange()
	minLon, minLat := geo.WebMercatorToLonLat(box.MinX, box.MinY)
	maxLon, maxLat := geo.WebMercatorToLonLat(box.MaxX, box.MaxY)
	tb := orb.Bound{Min: orb.Point{minLon - margin, minLat - margin}, Max: orb.Point{maxLon + margin, maxLat + margin}}
	if f.BBox != nil {
		if !f.BBox.Intersects(tb) {
			return nil
		}
		// Inside the filter's box exactly where Match keeps a point.
		tb = orb.Bound{Min: orb.Point{max(tb.Min[0], f.BBox.Min[0]), max(tb.Min[1], f.BBox.Min[1])},
			Max: orb.Point{min(tb.Max[0], f.BBox.Max[0]), min(tb.Max[1], f.BBox.Max[1])}}
	}
	f.BBox = &tb
	// A filter of nothing but the box is decided by the prefilter's box
	// test, which is Match's; any other filter gets Match on a scratch
	// incident.
	boxOnly := f
	boxOnly.BBox = nil
	needMatch := !reflect.ValueOf(boxOnly).IsZero()

	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	cur := s.candidates(&f, 0)
	pre := s.prefilter(&f)
	s.mu.RUnlock()

	var scratch geo.Incident
	return s.walkChunks(ctx, cur, pre, func(id uint32, r *record, syms []string) bool {
		x, y := geo.LonLatTo3857(r.lon, r.lat)
		if k := geo.TileKey(x, y); k < lo || k >= hi {
			return true
		}
		if needMatch {
			r.fill(&scratch, int64(id), syms, true)
			if !f.Match(&scratch) {
				return true
			}
		}
		visit(id, r, x, y)
		return true
	}, nil)
}

func (r *record) killed() int { return casStruct(&r.cas).Killed() }

// IncidentTileProperties are the properties of inc's "incidents" feature:
// those of props (names of geo.IncidentFields) that inc has a value for,
// written as the GeoJSON API writes them. Null values (deaths_* without an
// estimate, a missing date_end or timestamp) are left out.
func IncidentTileProperties(inc *geo.Incident, props []string) geojson.Properties {
	p := make(geojson.Properties, len(props))
	c := &inc.Casualties
	for _, name := range props {
		var v any
		switch name {
		case "external_id":
			v = inc.ExternalID
		case "date_start":
			v = day(inc.DateStart)
		case "date_end":
			if inc.DateEnd.IsZero() {
				continue
			}
			v = day(inc.DateEnd)
		case "date_precision":
			v = int64(inc.DatePrecision)
		case "geo_precision":
			v = int64(inc.GeoPrecision)
		case "location_name":
			v = inc.LocationName
		case "source_admin1":
			v = inc.SourceAdmin1
		case "source_admin2":
			v = inc.SourceAdmin2
		case "source_governorate":
			v = inc.SourceGovernorate
		case "governorate":
			v = inc.Governorate
		case "region":
			v = inc.Region
		case "event_type":
			v = inc.EventType
		case "sub_event_type":
			v = inc.SubEventType
		case "perpetrator":
			v = inc.Perpetrator
		case "target":
			v = inc.Target
		case "join_basis":
			v = string(inc.JoinBasis)
		case "illustrative":
			v = inc.Illustrative
		case "killed":
			v = int64(c.Killed())
		case "deaths_low", "deaths_best", "deaths_high":
			d := inc.Deaths
			if d == nil {
				continue
			}
			switch name {
			case "deaths_low":
				v = int64(d.Low)
			case "deaths_best":
				v = int64(d.Best)
			default:
				v = int64(d.High)
			}
		case "sources":
			v = sourcesJSON(inc.Sources)
		case "notes":
			v = inc.Notes
		case "created_at":
			if inc.CreatedAt.IsZero() {
				continue
			}
			v = inc.CreatedAt.UTC().Format(time.RFC3339Nano)
		case "updated_at":
			if inc.UpdatedAt.IsZero() {
				continue
			}
			v = inc.UpdatedAt.UTC().Format(time.RFC3339Nano)
		default:
			g, ok := geo.CasualtyGroupNamed(name)
			if !ok {
				continue // geo.TileRequest.Validate refuses unknown names
			}
			v = int64(g.Of(*c))
		}
		p[name] = v
	}
	return p
}

func day(t time.Time) string { return t.UTC().Format(geo.DateLayout) }

type sourceTileJSON struct {
	Name     string `json:"name"`
	URL      string `json:"url,omitempty"`
	Date     string `json:"date,omitempty"`
	Headline string `json:"headline,omitempty"`
}

// sourcesJSON is the sources as a JSON array, "[]" when there are none.
func sourcesJSON(src []geo.Source) string {
	list := make([]sourceTileJSON, len(src))
	for i, s := range src {
		list[i] = sourceTileJSON{Name: s.Name, URL: s.URL, Headline: s.Headline}
		if !s.Date.IsZero() {
			list[i].Date = day(s.Date)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil { // strings only: cannot fail
		return "[]"
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// regionLayer is the regions of kind in tile coordinates, simplified to
// geo.TileSimplifyUnits, clipped with a geo.TileBuffer margin and rounded to
// the extent grid.
func regionLayer(name string, kind geo.RegionKind, regions []geo.Region, box geo.TileBound) *mvt.Layer {
	buf := float64(geo.TileBuffer)
	clipBox := orb.Bound{Min: orb.Point{-buf, -buf}, Max: orb.Point{geo.TileExtent + buf, geo.TileExtent + buf}}
	scale := geo.TileExtent / (box.MaxX - box.MinX)
	// Regions whose box misses the widened tile are left out before any work.
	lonMin, latMin := geo.WebMercatorToLonLat(box.MinX-buf/scale, box.MinY-buf/scale)
	lonMax, latMax := geo.WebMercatorToLonLat(box.MaxX+buf/scale, box.MaxY+buf/scale)
	near := orb.Bound{Min: orb.Point{lonMin, latMin}, Max: orb.Point{lonMax, latMax}}
	var feats []*geojson.Feature
	for _, r := range regions {
		if r.Kind != kind || !r.Geom.Bound().Intersects(near) {
			continue
		}
		mp := make(orb.MultiPolygon, 0, len(r.Geom))
		for _, poly := range r.Geom {
			tp := make(orb.Polygon, len(poly))
			for i, ring := range poly {
				tr := make(orb.Ring, len(ring))
				for j, p := range ring {
					x, y := geo.LonLatTo3857(p[0], p[1])
					tr[j] = orb.Point{(x - box.MinX) * scale, (box.MaxY - y) * scale}
				}
				tp[i] = tr
			}
			mp = append(mp, tp)
		}
		f := geojson.NewFeature(mp)
		f.Properties = geojson.Properties{"code": r.Code, "kind": string(r.Kind), "name_en": r.NameEN,
			"name_ar": r.NameAR, "parent": r.Parent, "area_km2": r.AreaKM2}
		feats = append(feats, f)
	}
	l := newLayer(name, feats)
	l.Clip(clipBox)
	l.Simplify(simplify.DouglasPeucker(geo.TileSimplifyUnits))
	for _, f := range l.Features {
		f.Geometry = roundGeometry(f.Geometry)
	}
	l.RemoveEmpty(0, 1)
	return l
}

// roundGeometry snaps a polygon geometry to the integer grid, dropping
// repeated points and rings that collapse, and winds its rings as MVT asks.
func roundGeometry(g orb.Geometry) orb.Geometry {
	roundRing := func(r orb.Ring) orb.Ring {
		out := make(orb.Ring, 0, len(r))
		for _, p := range r {
			q := orb.Point{math.RoundToEven(p[0]), math.RoundToEven(p[1])}
			if len(out) == 0 || out[len(out)-1] != q {
				out = append(out, q)
			}
		}
		if len(out) < 4 {
			return nil
		}
		return out
	}
	roundPoly := func(p orb.Polygon) orb.Polygon {
		var out orb.Polygon
		for i, r := range p {
			rr := roundRing(r)
			if rr == nil {
				if i == 0 {
					return nil
				}
				continue
			}
			// MVT tells exterior rings from holes by winding: an exterior
			// has positive area in tile coordinates (y down), which orb
			// calls CCW; a hole the other way.
			if want := orb.CCW; (i == 0) != (rr.Orientation() == want) {
				rr.Reverse()
			}
			out = append(out, rr)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Polygon:
		return roundPoly(g)
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, p := range g {
			if rp := roundPoly(p); rp != nil {
				out = append(out, rp)
			}
		}
		return out
	}
	return g
}
