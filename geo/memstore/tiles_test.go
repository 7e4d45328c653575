package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
)

func TestTileRegionsAndErrors(t *testing.T) {
	s, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceRegions(ctx, regions); err != nil {
		t.Fatal(err)
	}
	var te *geo.TileError
	if _, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileIncidents, Z: 23}); !errors.As(err, &te) || te.Field != "z" {
		t.Errorf("zoom 23: %v", err)
	}
	if b, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileAll, Z: 6, X: 0, Y: 0}); err != nil || len(b) != 0 {
		t.Errorf("a tile far from Syria: %d bytes, %v", len(b), err)
	}
	b, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileGovernorates, Z: 5, X: 19, Y: 12})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := mvt.Unmarshal(b)
	if err != nil || len(layers) != 1 || layers[0].Name != geo.MVTGovernorates {
		t.Fatalf("layers %v, %v", layers, err)
	}
	for _, f := range layers[0].Features {
		// Exterior rings wind as MVT asks, or decoders read them as holes.
		polys, ok := f.Geometry.(orb.MultiPolygon)
		if p, single := f.Geometry.(orb.Polygon); single {
			polys, ok = orb.MultiPolygon{p}, true
		}
		if !ok {
			t.Fatalf("%v: a %T", f.Properties["code"], f.Geometry)
		}
		for _, p := range polys {
			if planar.Area(p[0]) <= 0 || p[0].Orientation() != orb.CCW {
				t.Errorf("%v: an exterior ring with area %v", f.Properties["code"], planar.Area(p[0]))
			}
		}
		if f.Properties["code"] == "" || f.Properties["name_en"] == "" {
			t.Errorf("feature without code or name: %v", f.Properties)
		}
	}
	if len(layers[0].Features) == 0 {
		t.Error("no governorate in the tile over Syria")
	}
}

// tileOracle is what a tile must hold by the rules of geo/tile.go, worked
// out from the incidents ScanIncidents returns, one by one.
type tileOracle struct {
	incidents []*geo.Incident // kept, in order
	matched   int
	clusters  map[uint64]*oracleCell
}

type oracleCell struct {
	count, killed int
	first, last   string
	top           []*geo.Incident
}

func oracleTile(t *testing.T, s geo.Store, req geo.TileRequest) tileOracle {
	t.Helper()
	box := geo.TileBounds3857(req.Z, req.X, req.Y)
	var in []*geo.Incident
	err := s.ScanIncidents(context.Background(), req.Filter, geo.Page{}, func(inc *geo.Incident) error {
		// A tile draws what is located to within a district, no coarser.
		if x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1]); box.Holds(x, y) && inc.GeoPrecision <= geo.GeoAdmin2 {
			in = append(in, inc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	byRank := func(a, b *geo.Incident) int {
		if ka, kb := a.Casualties.Killed(), b.Casualties.Killed(); ka != kb {
			return kb - ka
		}
		return int(a.ID - b.ID)
	}
	slices.SortFunc(in, byRank)
	o := tileOracle{matched: len(in)}
	if !req.Clustered() {
		o.incidents = in[:min(len(in), req.Limit())]
		return o
	}
	o.clusters = map[uint64]*oracleCell{}
	for _, inc := range in { // in rank order, so top is too
		x, y := geo.LonLatTo3857(inc.Location[0], inc.Location[1])
		id := uint64(geo.ClusterID(box.ClusterCell(x, y)))
		c := o.clusters[id]
		d := inc.DateStart.Format(geo.DateLayout)
		if c == nil {
			c = &oracleCell{first: d, last: d}
			o.clusters[id] = c
		}
		c.count++
		c.killed += inc.Casualties.Killed()
		c.first, c.last = min(c.first, d), max(c.last, d)
		if len(c.top) < geo.ClusterTopIDs {
			c.top = append(c.top, inc)
		}
	}
	o.matched = len(o.clusters)
	return o
}

// TestTilesMatchTheRules builds tiles over generated incidents, with small
// feature limits so the cut is exercised, and checks every feature against
// tileOracle, and the properties against the request.
func TestTilesMatchTheRules(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.ReplaceRegions(ctx, regions(t)); err != nil {
		t.Fatal(err)
	}
	incs := generate(11, 0, 4000)
	for i := range incs {
		if i%3 == 0 {
			incs[i].Deaths = &geo.DeathEstimate{Low: i % 5, Best: i%5 + 1, High: i%5 + 2}
		}
	}
	importAll(t, s, incs)
	palmyra := orb.Point{38.27, 34.55}
	filters := map[string]geo.IncidentFilter{
		"none":      {},
		"civilians": {Victims: []geo.VictimGroup{geo.VictimGroup("civilians")}},
		"bbox":      {BBox: &orb.Bound{Min: orb.Point{37.5, 34}, Max: orb.Point{39, 35}}},
		"governorate-bbox": {Governorates: []string{"SY04", "SY08"},
			BBox: &orb.Bound{Min: orb.Point{36, 33}, Max: orb.Point{41, 36}}},
	}
	props := map[string][]string{
		"default": nil,
		"some":    {"external_id", "killed", "deaths_best", "notes"},
		"all":     geo.AllIncidentProperties,
	}
	checked := 0
	for fname, f := range filters {
		for z := 5; z <= 11; z += 2 {
			x, y := tileOf(palmyra, z)
			for _, limit := range []int{0, 3} {
				for pname, p := range props {
					req := geo.TileRequest{Layer: geo.TileIncidents, Z: z, X: x, Y: y, Filter: f, MaxFeatures: limit, Properties: p}
					name := fmt.Sprintf("%s/z%d/limit%d/%s", fname, z, limit, pname)
					b, err := s.Tile(ctx, req)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					checkTile(t, name, b, req, oracleTile(t, s, req))
					checked++
				}
			}
		}
	}
	t.Logf("%d tiles checked", checked)
}

func tileOf(p orb.Point, z int) (x, y int) {
	n := float64(int(1) << z)
	lat := p[1] * math.Pi / 180
	return int((p[0] + 180) / 360 * n), int((1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * n)
}

func checkTile(t *testing.T, name string, b []byte, req geo.TileRequest, o tileOracle) {
	t.Helper()
	layers, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got := map[string]*mvt.Layer{}
	for _, l := range layers {
		got[l.Name] = l
	}
	feats := func(layer string) []*geojson.Feature {
		if l := got[layer]; l != nil {
			return l.Features
		}
		return nil
	}
	kept := len(o.incidents)
	if req.Clustered() {
		kept = min(len(o.clusters), req.Limit())
	}
	if o.matched == 0 {
		t.Fatalf("%s: the oracle finds nothing in the tile: the test checks nothing", name)
	}
	if info := feats(geo.MVTTileInfo); (len(info) == 1) != (o.matched > kept) {
		t.Errorf("%s: tile_info %d features, matched %d kept %d", name, len(info), o.matched, kept)
	} else if len(info) == 1 && info[0].Properties["matched"] != float64(o.matched) {
		t.Errorf("%s: tile_info says matched %v, want %d", name, info[0].Properties["matched"], o.matched)
	}
	if req.Clustered() {
		cl := feats(geo.MVTClusters)
		if len(cl) != kept {
			t.Fatalf("%s: %d clusters, want %d", name, len(cl), kept)
		}
		for _, f := range cl {
			c := o.clusters[uint64(f.ID.(float64))]
			if c == nil {
				t.Fatalf("%s: cluster %v is not a cell of the oracle", name, f.ID)
			}
			var ids []string
			for _, inc := range c.top {
				ids = append(ids, fmt.Sprint(inc.ID))
			}
			want := map[string]any{"count": float64(c.count), "killed": float64(c.killed),
				"first_date": c.first, "last_date": c.last, "top_ids": strings.Join(ids, ",")}
			for k, v := range want {
				if f.Properties[k] != v {
					t.Errorf("%s: cluster %v %s = %v, want %v", name, f.ID, k, f.Properties[k], v)
				}
			}
		}
		return
	}
	inc := feats(geo.MVTIncidents)
	if len(inc) != kept {
		t.Fatalf("%s: %d incidents, want %d", name, len(inc), kept)
	}
	for i, f := range inc {
		want := o.incidents[i]
		if f.ID != float64(want.ID) {
			t.Fatalf("%s: feature %d is incident %v, want %d", name, i, f.ID, want.ID)
		}
		var keys []string
		for k := range f.Properties {
			keys = append(keys, k)
		}
		var wantKeys []string
		for _, p := range req.IncidentProperties() {
			if strings.HasPrefix(p, "deaths_") && want.Deaths == nil {
				continue
			}
			wantKeys = append(wantKeys, p)
		}
		slices.Sort(keys)
		slices.Sort(wantKeys)
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("%s: incident %d has properties %v, want %v", name, want.ID, keys, wantKeys)
		}
		check := map[string]any{"external_id": want.ExternalID, "killed": float64(want.Casualties.Killed()),
			"date_start": want.DateStart.Format(geo.DateLayout), "location_name": want.LocationName,
			"governorate": want.Governorate, "notes": want.Notes}
		if want.Deaths != nil {
			check["deaths_best"] = float64(want.Deaths.Best)
		}
		for k, v := range check {
			if got, ok := f.Properties[k]; ok && got != v {
				t.Errorf("%s: incident %d %s = %v, want %v", name, want.ID, k, got, v)
			}
		}
	}
}

// TestTileShowsOneState: a write that lands between the passes of a tile
// (here it makes the second-ranked incident the deadliest) must not give a
// tile ranked by the old data and valued by the new: the tile shows the
// store before the write or after it.
func TestTileShowsOneState(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.ReplaceRegions(ctx, regions(t)); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	incident := func(id string, military int, lon float64) geo.Incident {
		return geo.Incident{ExternalID: id, DateStart: day, DatePrecision: 1, GeoPrecision: 1,
			Location: orb.Point{lon, 34.56}, LocationName: "Palmyra", EventType: "Battles",
			Casualties: geo.Casualties{Military: military}}
	}
	importAll(t, s, []geo.Incident{incident("a", 1, 38.27), incident("b", 2, 38.28)})
	tile := maptile.At(orb.Point{38.275, 34.56}, 10)
	req := geo.TileRequest{Layer: geo.TileIncidents, Z: 10, X: int(tile.X), Y: int(tile.Y)}
	before, err := s.Tile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}

	wrote := false
	restore := memstore.SetTileWalkedHook(func() {
		if !wrote {
			wrote = true
			importAll(t, s, []geo.Incident{incident("a", 10, 38.27)})
		}
	})
	got, err := s.Tile(ctx, req)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if !wrote {
		t.Fatal("the write between the passes did not run")
	}
	after, err := s.Tile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) == string(before) {
		t.Fatal("the write did not change the tile")
	}
	if string(got) != string(before) && string(got) != string(after) {
		layers, _ := mvt.Unmarshal(got)
		var order []any
		for _, f := range layers[0].Features {
			order = append(order, f.Properties["external_id"], f.Properties["killed"])
		}
		t.Fatalf("the tile mixes two states of the store: (external_id, killed) in order %v", order)
	}
}
