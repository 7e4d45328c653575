package geo_test

import (
	"errors"
	"math"
	"math/rand/v2"
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
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 3, MaxBytes: -5}, "max_bytes", "-5 is below"},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 3, MaxBytes: geo.MinTileBytes - 1}, "max_bytes", "smallest budget"},
		{geo.TileRequest{Layer: geo.TileIncidents, Z: 3, MaxBytes: geo.MinTileBytes}, "", ""},
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
	if !r.Clustered() || r.Budget() != geo.DefaultTileBytes {
		t.Errorf("defaults: clustered %v budget %d", r.Clustered(), r.Budget())
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

// The tiles of a zoom cover the world edge to edge, every point lies in
// exactly one of them and one cell of its grid, and the levels nest: the
// cell of a point at one level is the parent of its cell at the next.
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
	tile := geo.TileAddr{Z: 5, X: 19, Y: 12}
	b := tile.Bounds()
	holders := 0
	for dx := -1; dx <= 1; dx++ {
		for dy := -1; dy <= 1; dy++ {
			if (geo.TileAddr{Z: 5, X: 19 + dx, Y: 12 + dy}).Holds(b.MinX, b.MaxY) {
				holders++
			}
		}
	}
	if holders != 1 || !tile.Holds(b.MinX, b.MaxY) {
		t.Errorf("the north-west corner of a tile lies in %d tiles", holders)
	}
	if cx, cy := tile.GridCell(b.MinX, b.MaxY, 0); cx != 0 || cy != 0 {
		t.Errorf("the north-west corner is in cell %d,%d", cx, cy)
	}
	// The last point the tile holds towards its south-east corner (a
	// rounding error from the box's corner) is in the last cell.
	x, y := b.MaxX, b.MinY
	for !tile.Holds(x, y) {
		x, y = math.Nextafter(x, 0), math.Nextafter(y, math.Inf(1))
	}
	if cx, cy := tile.GridCell(x, y, 0); cx != geo.ClusterGrid-1 || cy != geo.ClusterGrid-1 || b.MaxX-x > 1e-6 || y-b.MinY > 1e-6 {
		t.Errorf("the south-east corner %v,%v is in cell %d,%d", x, y, cx, cy)
	}
	// Points on and a rounding error around cell edges, at every level.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		level := rng.IntN(geo.KeyLevel + 1)
		size := 2 * geo.WebMercatorMax / float64(uint64(1)<<level)
		x := -geo.WebMercatorMax + size*float64(rng.IntN(1<<min(level, 30)))
		y := geo.WebMercatorMax - size*float64(rng.IntN(1<<min(level, 30)))
		for range rng.IntN(3) {
			x, y = math.Nextafter(x, math.Inf(rng.IntN(2)*2-1)), math.Nextafter(y, math.Inf(rng.IntN(2)*2-1))
		}
		if rng.IntN(4) == 0 {
			x, y = (rng.Float64()*2-1)*geo.WebMercatorMax, (rng.Float64()*2-1)*geo.WebMercatorMax
		}
		key := geo.TileKey(x, y)
		kx, ky := geo.CellOf(x, y, geo.KeyLevel)
		if mx, my := geo.MortonCell(key); mx != kx || my != ky {
			t.Fatalf("%v,%v: key %d is cell %d,%d, CellOf says %d,%d", x, y, key, mx, my, kx, ky)
		}
		for l := geo.KeyLevel; l >= 0; l-- {
			cx, cy := geo.CellOf(x, y, l)
			if d := uint(geo.KeyLevel - l); cx != kx>>d || cy != ky>>d {
				t.Fatalf("%v,%v: cell %d,%d at level %d, not the parent of %d,%d at level %d", x, y, cx, cy, l, kx, ky, geo.KeyLevel)
			}
			if l > geo.MaxTileZoom {
				continue
			}
			c := geo.TileAddr{Z: l, X: cx, Y: cy}
			if lo, hi := c.KeyRange(); key < lo || key >= hi || !c.Holds(x, y) {
				t.Fatalf("%v,%v: key %d outside tile %s's range %d-%d, or not held", x, y, key, c, lo, hi)
			}
			if l+geo.ClusterLevels <= geo.KeyLevel {
				gx, gy := c.GridCell(x, y, 0)
				fx, fy := geo.CellOf(x, y, l+geo.ClusterLevels)
				if gx != fx-cx*geo.ClusterGrid || gy != fy-cy*geo.ClusterGrid || gx < 0 || gx >= geo.ClusterGrid || gy < 0 || gy >= geo.ClusterGrid {
					t.Fatalf("%v,%v: grid cell %d,%d of tile %s", x, y, gx, gy, c)
				}
			}
		}
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
