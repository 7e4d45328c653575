package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
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
	if _, err := s.ReplaceRegions(ctx, regions, nil); err != nil {
		t.Fatal(err)
	}
	var te *geo.TileError
	if _, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileIncidents, Z: 23}); !errors.As(err, &te) || te.Field != "z" {
		t.Errorf("zoom 23: %v", err)
	}
	if b, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileAll, Z: 6, X: 0, Y: 0}); err != nil || len(b.MVT) != 0 {
		t.Errorf("a tile far from Syria: %d bytes, %v", len(b.MVT), err)
	}
	b, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileGovernorates, Z: 5, X: 19, Y: 12})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := mvt.Unmarshal(b.MVT)
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

// TestTileShowsOneState: a write that lands between the passes of a tile
// (here it makes the second-ranked incident the deadliest) must not give a
// tile ranked by the old data and valued by the new: the tile shows the
// store before the write or after it, and says which version it shows.
func TestTileShowsOneState(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if _, err := s.ReplaceRegions(ctx, regions(t), nil); err != nil {
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
	if string(after.MVT) == string(before.MVT) || after.Version == before.Version {
		t.Fatal("the write did not change the tile or its version")
	}
	switch {
	case got.Version == before.Version && string(got.MVT) == string(before.MVT):
	case got.Version == after.Version && string(got.MVT) == string(after.MVT):
	default:
		layers, _ := mvt.Unmarshal(got.MVT)
		var order []any
		for _, l := range layers {
			for _, f := range l.Features {
				order = append(order, l.Name, f.Properties["external_id"], f.Properties["killed"], f.Properties["count"])
			}
		}
		t.Fatalf("the tile (version %d) is neither the store before the write (%d) nor after it (%d): %v", got.Version, before.Version, after.Version, order)
	}
}
