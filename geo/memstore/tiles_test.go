package memstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
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
