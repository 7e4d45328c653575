package geo_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/geo"
)

func TestTileRequestValidate(t *testing.T) {
	for _, c := range []struct {
		req   geo.TileRequest
		field string // "" when valid
		says  string
	}{
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 0}, "", ""},
		{geo.TileRequest{Layer: geo.TileAll, Z: 22, X: 1<<22 - 1, Y: 1<<22 - 1}, "", ""},
		{geo.TileRequest{Layer: "roads", Z: 1}, "layer", `"roads" is not a layer`},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 23}, "z", "zoom 23 is outside 0-22"},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: -1}, "z", "zoom -1"},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 3, X: 8}, "x", "column 8 is outside 0-7 at zoom 3"},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 3, Y: -1}, "y", "row -1"},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 3, MaxFeatures: -5}, "max_features", "-5"},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 9, Properties: []string{"killed", "notes"}}, "", ""},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 9, Properties: []string{"notes", "killed"}}, "properties", `"killed" is repeated or out of order`},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 9, Properties: []string{"killed", "killed"}}, "properties", `"killed" is repeated`},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 9, Properties: []string{"geom"}}, "properties", `"geom" is not a property`},
	} {
		err := c.req.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.req, err)
			}
			continue
		}
		var te *geo.TileError
		if !errors.As(err, &te) || te.Field != c.field || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: error %v, want one on %s saying %q", c.req, err, c.field, c.says)
		}
	}
}

func TestParseTileProperties(t *testing.T) {
	for in, want := range map[string][]string{
		"":                     nil,
		"all":                  geo.AllIncidentProperties,
		"notes, killed,notes,": {"killed", "notes"},
	} {
		got, err := geo.ParseTileProperties(in)
		if err != nil || strings.Join(got, ",") != strings.Join(want, ",") || (got == nil) != (want == nil) {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
		r := geo.TileRequest{Layer: geo.TileIncidents, Properties: got}
		if err := r.Validate(); err != nil {
			t.Errorf("%q: what ParseTileProperties gives does not validate: %v", in, err)
		}
	}
	for _, in := range []string{",", " , ", "killed,password"} {
		if got, err := geo.ParseTileProperties(in); err == nil {
			t.Errorf("%q: %v accepted", in, got)
		}
	}
}

func TestTileRequestDefaults(t *testing.T) {
	r := geo.TileRequest{Z: geo.DefaultClusterBelowZoom - 1}
	if !r.Clustered() || r.Limit() != geo.DefaultMaxTileFeatures {
		t.Errorf("defaults: clustered %v limit %d", r.Clustered(), r.Limit())
	}
	r.Z = geo.DefaultClusterBelowZoom
	if r.Clustered() {
		t.Error("clustered at the cluster zoom itself")
	}
	r.ClusterBelowZoom, r.Z = -1, 0
	if r.Clustered() {
		t.Error("a negative ClusterBelowZoom still clusters")
	}
}

// The tiles of a zoom cover the world edge to edge, and every point lies in
// exactly one of them and one cluster cell.
func TestTileBoundsPartition(t *testing.T) {
	for z := 0; z <= 12; z += 3 {
		n := 1 << z
		for x := 0; x+1 < n; x += max(1, n/7) {
			a, b := geo.TileBounds3857(z, x, 0), geo.TileBounds3857(z, x+1, 0)
			if a.MaxX != b.MinX {
				t.Errorf("z%d: tile %d ends at %v, tile %d starts at %v", z, x, a.MaxX, x+1, b.MinX)
			}
		}
		last := geo.TileBounds3857(z, n-1, n-1)
		if math.Abs(last.MaxX-geo.WebMercatorMax) > 1e-6 || math.Abs(last.MinY+geo.WebMercatorMax) > 1e-6 {
			t.Errorf("z%d: the last tile ends at %v, %v", z, last.MaxX, last.MinY)
		}
	}
	// A point on a shared corner belongs to the tile east and south of it.
	b := geo.TileBounds3857(5, 19, 12)
	holders := 0
	for dx := -1; dx <= 1; dx++ {
		for dy := -1; dy <= 1; dy++ {
			if geo.TileBounds3857(5, 19+dx, 12+dy).Holds(b.MinX, b.MaxY) {
				holders++
			}
		}
	}
	if holders != 1 || !b.Holds(b.MinX, b.MaxY) {
		t.Errorf("the north-west corner of a tile lies in %d tiles", holders)
	}
	if cx, cy := b.ClusterCell(b.MinX, b.MaxY); cx != 0 || cy != 0 {
		t.Errorf("the north-west corner is in cell %d,%d", cx, cy)
	}
	if cx, cy := b.ClusterCell(math.Nextafter(b.MaxX, 0), math.Nextafter(b.MinY, math.Inf(1))); cx != geo.ClusterGrid-1 || cy != geo.ClusterGrid-1 {
		t.Errorf("the south-east corner is in cell %d,%d", cx, cy)
	}
}

func TestWebMercatorRoundTrip(t *testing.T) {
	for _, p := range [][2]float64{{36.2765, 33.5138}, {40.1408, 35.3359}, {38.7, 34.55}, {0, 0}, {-179.9, -84}} {
		x, y := geo.LonLatTo3857(p[0], p[1])
		lon, lat := geo.WebMercatorToLonLat(x, y)
		if math.Abs(lon-p[0]) > 1e-9 || math.Abs(lat-p[1]) > 1e-9 {
			t.Errorf("%v -> %v,%v -> %v,%v", p, x, y, lon, lat)
		}
	}
}
