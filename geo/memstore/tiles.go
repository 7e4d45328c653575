package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
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
func (s *Store) Tile(ctx context.Context, req geo.TileRequest) ([]byte, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	box := geo.TileBounds3857(req.Z, req.X, req.Y)
	var layers mvt.Layers
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
		if req.HasGovernorates() {
			layers = appendLayer(layers, regionLayer(geo.MVTGovernorates, geo.KindGovernorate, regions, box))
		}
		if req.HasBadiaRegions() {
			layers = appendLayer(layers, regionLayer(geo.MVTBadiaRegions, geo.KindBadia, regions, box))
		}
	}
	if req.HasIncidents() {
		incs, err := s.tileIncidents(ctx, req.Filter, box)
		if err != nil {
			return nil, err
		}
		name, feats, matched := geo.MVTIncidents, []*geojson.Feature(nil), 0
		if req.Clustered() {
			name, feats = geo.MVTClusters, clusterFeatures(incs, box)
			matched = len(feats)
			if matched > req.Limit() {
				feats = feats[:req.Limit()]
			}
		} else {
			// Only the kept incidents get features: building the properties of
			// every match first made a crowded tile cost memory in proportion
			// to its matches, not to the limit.
			matched = len(incs)
			feats = incidentFeatures(incs, box, req.Limit())
		}
		layers = appendLayer(layers, newLayer(name, feats))
		if matched > len(feats) {
			info := geojson.NewFeature(orb.Point{geo.TileExtent / 2, geo.TileExtent / 2})
			info.Properties = geojson.Properties{"layer": name, "matched": int64(matched),
				"returned": int64(len(feats)), "truncated": true}
			layers = appendLayer(layers, newLayer(geo.MVTTileInfo, []*geojson.Feature{info}))
		}
	}
	if len(layers) == 0 {
		return []byte{}, nil
	}
	return mvt.Marshal(layers)
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

// tileIncidents are the incidents f matches that belong to the tile: those
// in its lon/lat box (widened a little) found through the store's index,
// then kept by the exact EPSG:3857 rule.
func (s *Store) tileIncidents(ctx context.Context, f geo.IncidentFilter, box geo.TileBound) ([]*geo.Incident, error) {
	const margin = 1e-7 // degrees; the exact test is done in metres below
	minLon, minLat := geo.WebMercatorToLonLat(box.MinX, box.MinY)
	maxLon, maxLat := geo.WebMercatorToLonLat(box.MaxX, box.MaxY)
	tb := orb.Bound{Min: orb.Point{minLon - margin, minLat - margin}, Max: orb.Point{maxLon + margin, maxLat + margin}}
	if f.BBox != nil {
		if !f.BBox.Intersects(tb) {
			return nil, nil
		}
		// Inside the filter's box exactly where Match keeps a point.
		tb = orb.Bound{Min: orb.Point{max(tb.Min[0], f.BBox.Min[0]), max(tb.Min[1], f.BBox.Min[1])},
			Max: orb.Point{min(tb.Max[0], f.BBox.Max[0]), min(tb.Max[1], f.BBox.Max[1])}}
	}
	f.BBox = &tb
	var out []*geo.Incident
	err := s.ScanIncidents(ctx, f, geo.Page{}, func(inc *geo.Incident) error {
		x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
		if box.Holds(x, y) {
			out = append(out, inc)
		}
		return nil
	})
	return out, err
}

// toTile is a tile coordinate of the EPSG:3857 point x, y, rounded to the
// extent grid as ST_AsMVTGeom rounds it.
func toTile(box geo.TileBound, x, y float64) orb.Point {
	scale := geo.TileExtent / (box.MaxX - box.MinX)
	return orb.Point{math.RoundToEven((x - box.MinX) * scale), math.RoundToEven((box.MaxY - y) * scale)}
}

// incidentFeatures are the features of the first limit incidents by killed
// (descending), then id.
func incidentFeatures(incs []*geo.Incident, box geo.TileBound, limit int) []*geojson.Feature {
	slices.SortFunc(incs, func(a, b *geo.Incident) int {
		if ka, kb := a.Casualties.Killed(), b.Casualties.Killed(); ka != kb {
			return kb - ka
		}
		return int(a.ID - b.ID)
	})
	if len(incs) > limit {
		incs = incs[:limit]
	}
	out := make([]*geojson.Feature, len(incs))
	for i, inc := range incs {
		x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
		f := geojson.NewFeature(toTile(box, x, y))
		f.ID = uint64(inc.ID)
		f.Properties = IncidentTileProperties(inc)
		out[i] = f
	}
	return out
}

// IncidentTileProperties are the properties of inc's "incidents" feature
// (geo.IncidentFields), written as the GeoJSON API writes them.
func IncidentTileProperties(inc *geo.Incident) geojson.Properties {
	c := inc.Casualties
	p := geojson.Properties{
		"external_id": inc.ExternalID, "date_start": day(inc.DateStart),
		"date_precision": int64(inc.DatePrecision), "geo_precision": int64(inc.GeoPrecision),
		"location_name": inc.LocationName, "source_admin1": inc.SourceAdmin1, "source_admin2": inc.SourceAdmin2,
		"source_governorate": inc.SourceGovernorate, "governorate": inc.Governorate, "region": inc.Region,
		"event_type": inc.EventType, "sub_event_type": inc.SubEventType, "perpetrator": inc.Perpetrator,
		"target": inc.Target, "killed": int64(c.Killed()), "military": int64(c.Military),
		"militia": int64(c.Militia), "isis": int64(c.ISIS), "other_armed": int64(c.OtherArmed),
		"civilians": int64(c.Civilians), "children": int64(c.Children), "women": int64(c.Women),
		"truffle_gatherers": int64(c.TruffleGatherers), "unknown": int64(c.Unknown),
		"injured": int64(c.Injured), "abducted": int64(c.Abducted),
		"sources": sourcesJSON(inc.Sources), "notes": inc.Notes,
	}
	if !inc.DateEnd.IsZero() {
		p["date_end"] = day(inc.DateEnd)
	}
	if d := inc.Deaths; d != nil {
		p["deaths_low"], p["deaths_best"], p["deaths_high"] = int64(d.Low), int64(d.Best), int64(d.High)
	}
	if !inc.CreatedAt.IsZero() {
		p["created_at"] = inc.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	if !inc.UpdatedAt.IsZero() {
		p["updated_at"] = inc.UpdatedAt.UTC().Format(time.RFC3339Nano)
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

// cluster is one non-empty cell of the tile's cluster grid.
type cluster struct {
	id         int64
	n          int
	sumX, sumY float64
	killed     int
	cas        geo.Casualties
	first      time.Time
	last       time.Time
	top        []*geo.Incident // the deadliest, at most geo.ClusterTopIDs
}

func clusterFeatures(incs []*geo.Incident, box geo.TileBound) []*geojson.Feature {
	cells := map[int64]*cluster{}
	for _, inc := range incs {
		x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
		cx, cy := box.ClusterCell(x, y)
		id := geo.ClusterID(cx, cy)
		c := cells[id]
		if c == nil {
			c = &cluster{id: id, first: inc.DateStart, last: inc.DateStart}
			cells[id] = c
		}
		c.n++
		c.sumX += x
		c.sumY += y
		c.killed += inc.Casualties.Killed()
		c.cas = c.cas.Add(inc.Casualties)
		if inc.DateStart.Before(c.first) {
			c.first = inc.DateStart
		}
		if inc.DateStart.After(c.last) {
			c.last = inc.DateStart
		}
		c.top = append(c.top, inc)
		if len(c.top) > 4*geo.ClusterTopIDs {
			c.top = deadliest(c.top)
		}
	}
	list := make([]*cluster, 0, len(cells))
	for _, c := range cells {
		c.top = deadliest(c.top)
		list = append(list, c)
	}
	slices.SortFunc(list, byKilledCluster)
	out := make([]*geojson.Feature, len(list))
	for i, c := range list {
		ids := make([]string, len(c.top))
		for j, inc := range c.top {
			ids[j] = strconv.FormatInt(inc.ID, 10)
		}
		f := geojson.NewFeature(toTile(box, c.sumX/float64(c.n), c.sumY/float64(c.n)))
		f.ID = uint64(c.id)
		f.Properties = geojson.Properties{
			"count": int64(c.n), "killed": int64(c.killed), "military": int64(c.cas.Military),
			"militia": int64(c.cas.Militia), "isis": int64(c.cas.ISIS), "other_armed": int64(c.cas.OtherArmed),
			"civilians": int64(c.cas.Civilians), "children": int64(c.cas.Children), "women": int64(c.cas.Women),
			"truffle_gatherers": int64(c.cas.TruffleGatherers), "unknown": int64(c.cas.Unknown),
			"injured": int64(c.cas.Injured), "abducted": int64(c.cas.Abducted),
			"first_date": day(c.first), "last_date": day(c.last), "top_ids": strings.Join(ids, ","),
		}
		out[i] = f
	}
	return out
}

func byKilledCluster(a, b *cluster) int {
	if a.killed != b.killed {
		return b.killed - a.killed
	}
	return int(a.id - b.id)
}

// deadliest keeps the geo.ClusterTopIDs incidents with the most killed,
// ties by lower id.
func deadliest(incs []*geo.Incident) []*geo.Incident {
	slices.SortFunc(incs, func(a, b *geo.Incident) int {
		if ka, kb := a.Casualties.Killed(), b.Casualties.Killed(); ka != kb {
			return kb - ka
		}
		return int(a.ID - b.ID)
	})
	return incs[:min(len(incs), geo.ClusterTopIDs)]
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
