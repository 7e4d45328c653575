package postgis_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
)

// The tile grid and projection of geo/tile.go are PostGIS's own: the same
// envelopes as ST_TileEnvelope and the same metres as the stored geom_3857,
// so the two stores put every point in the same tile and cell.
func TestTileGridIsPostGISs(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, c := range [][3]int{{0, 0, 0}, {5, 19, 12}, {8, 153, 101}, {12, 2449, 1630}, {22, 2500000, 1700000}} {
		var minx, miny, maxx, maxy float64
		err := s.DB().QueryRowContext(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
			FROM ST_TileEnvelope($1, $2, $3) AS e`, c[0], c[1], c[2]).Scan(&minx, &miny, &maxx, &maxy)
		if err != nil {
			t.Fatal(err)
		}
		b := geo.TileBounds3857(c[0], c[1], c[2])
		if b != (geo.TileBound{MinX: minx, MinY: miny, MaxX: maxx, MaxY: maxy}) {
			t.Errorf("tile %v: Go %+v, PostGIS %v %v %v %v", c, b, minx, miny, maxx, maxy)
		}
	}
	worst := 0.0
	for lon := 35.5; lon < 42.5; lon += 0.37 {
		for lat := 32.3; lat < 37.3; lat += 0.29 {
			var x, y float64
			if err := s.DB().QueryRowContext(ctx, `SELECT ST_X(g), ST_Y(g) FROM ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 3857) AS g`,
				lon, lat).Scan(&x, &y); err != nil {
				t.Fatal(err)
			}
			gx, gy := geo.LonLatTo3857(lon, lat)
			worst = math.Max(worst, math.Max(math.Abs(gx-x), math.Abs(gy-y)))
		}
	}
	if worst > 1e-6 {
		t.Errorf("geo.LonLatTo3857 is up to %g m from PostGIS", worst)
	}
	// The stored tile key (migration 0012) is geo.TileKey of the stored
	// point, on tile and cell edges too.
	var pts [][2]float64
	for lon := 35.5; lon < 42.5; lon += 0.37 {
		for lat := 32.3; lat < 37.3; lat += 0.29 {
			pts = append(pts, [2]float64{lon, lat})
		}
	}
	for _, z := range []int{5, 9, 13, 17, 22} {
		x, y := geo.LonLatTo3857(38.27, 34.55)
		cx, cy := geo.CellOf(x, y, z)
		b := geo.TileAddr{Z: z, X: cx, Y: cy}.Bounds()
		for _, c := range [][2]float64{{b.MinX, b.MaxY}, {b.MaxX, b.MinY}, {b.MinX, b.MinY}} {
			lon, lat := geo.WebMercatorToLonLat(c[0], c[1])
			pts = append(pts, [2]float64{lon, lat})
		}
	}
	for _, p := range pts {
		var key int64
		var x, y float64
		if err := s.DB().QueryRowContext(ctx, `SELECT incident_tile_key(g), ST_X(ST_Transform(g, 3857)), ST_Y(ST_Transform(g, 3857))
			FROM ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g`, p[0], p[1]).Scan(&key, &x, &y); err != nil {
			t.Fatal(err)
		}
		if want := geo.TileKey(x, y); uint64(key) != want {
			t.Errorf("%v: PostGIS's tile key %d, geo.TileKey %d", p, key, want)
		}
	}
}

func TestTileErrorsAndEmptyTile(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceRegions(ctx, regions); err != nil {
		t.Fatal(err)
	}
	var te *geo.TileError
	if _, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileIncidents, Z: 4, X: 16}); !errors.As(err, &te) || te.Field != "x" {
		t.Errorf("x outside the grid: %v", err)
	}
	b, err := s.Tile(ctx, geo.TileRequest{Layer: geo.TileAll, Z: 6, X: 0, Y: 0})
	if err != nil || len(b.MVT) != 0 {
		t.Errorf("a tile far from Syria: %d bytes, %v", len(b.MVT), err)
	}
	// Syria at z5, with no incident yet: the polygons only.
	b, err = s.Tile(ctx, geo.TileRequest{Layer: geo.TileAll, Z: 5, X: 19, Y: 12})
	if err != nil {
		t.Fatal(err)
	}
	layers, err := mvt.Unmarshal(b.MVT)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, l := range layers {
		names[l.Name] = len(l.Features)
		for _, f := range l.Features {
			if _, ok := f.Geometry.(orb.Point); ok {
				t.Errorf("layer %s holds a point with no incident stored", l.Name)
			}
		}
	}
	if names[geo.MVTGovernorates] == 0 || names[geo.MVTBadiaRegions] == 0 || len(names) != 2 {
		t.Errorf("layers %v, want governorates and badia_regions only", names)
	}
}
