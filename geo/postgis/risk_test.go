package postgis_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/geo/risk/risktest"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/paulmach/orb"
)

// TestRiskGridLayout checks geo/risk's lattice against ST_HexagonGrid itself:
// the same (i, j) for the same hexagon, vertex for vertex.
func TestRiskGridLayout(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, c := range []struct{ size, box float64 }{{6000, 750000}, {2500, 300000}, {333.3, 20000}} {
		size := c.size
		rows, err := s.DB().QueryContext(ctx, `
			SELECT h.i, h.j, ST_X(ST_PointN(ST_ExteriorRing(h.geom), n)), ST_Y(ST_PointN(ST_ExteriorRing(h.geom), n)), n
			FROM ST_HexagonGrid($1, ST_MakeEnvelope(3900000, 3700000, 3900000 + $2, 3700000 + $2, 3857)) AS h,
			     generate_series(1, 7) AS n
			WHERE (h.i + 3 * h.j) % 11 = 0`, size, c.box)
		if err != nil {
			t.Fatal(err)
		}
		l := risk.Lattice{Size: size}
		n := 0
		for rows.Next() {
			var id risk.CellID
			var x, y float64
			var k int
			if err := rows.Scan(&id.I, &id.J, &x, &y, &k); err != nil {
				t.Fatal(err)
			}
			n++
			want := l.Hexagon3857(id)[k-1]
			if math.Abs(want[0]-x) > 1e-6 || math.Abs(want[1]-y) > 1e-6 {
				t.Errorf("size %g cell %s vertex %d: PostGIS %v %v, geo/risk %v", size, id, k, x, y, want)
			}
			if k == 1 {
				// Any point of the hexagon's interior must map back to it.
				cx, cy := l.Centre3857(id)
				if got := l.CellOf3857(0.9*x+0.1*cx, 0.9*y+0.1*cy); got != id {
					t.Errorf("size %g: point near vertex 1 of %s maps to %s", size, id, got)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("size %g: ST_HexagonGrid gave no hexagon", size)
		}
	}
}

// TestRiskDistance checks risk.Distance against ST_Distance(geography, false).
func TestRiskDistance(t *testing.T) {
	s := newStore(t)
	r := rand.New(rand.NewPCG(7, 7))
	for k := 0; k < 200; k++ {
		a := orb.Point{35.5 + r.Float64()*7, 32 + r.Float64()*5.5}
		b := orb.Point{a[0] + (r.Float64()-0.5)*1.2, a[1] + (r.Float64()-0.5)*1.2}
		var d float64
		err := s.DB().QueryRow(`SELECT ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography,
			ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography, false)`, a[0], a[1], b[0], b[1]).Scan(&d)
		if err != nil {
			t.Fatal(err)
		}
		if got := risk.Distance(a, b); math.Abs(got-d) > 1e-6 {
			t.Fatalf("%v to %v: geo/risk %.9f m, PostGIS %.9f m", a, b, got, d)
		}
	}
}

// loadBoth loads the bundled boundaries and incs into a fresh PostGIS and
// a fresh embedded store, returning both and the incidents as PostGIS holds them.
func loadBoth(t *testing.T, incs []geo.Incident) (*memstore.Store, geo.Store, []geo.Incident, []geo.Region) {
	t.Helper()
	ctx := context.Background()
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	pg := newStore(t)
	mem, err := memstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	var held []geo.Incident
	for _, st := range []geo.Store{pg, mem} {
		if _, err := st.ReplaceRegions(ctx, regions); err != nil {
			t.Fatal(err)
		}
		got, err := risktest.Import(ctx, st, incs)
		if err != nil {
			t.Fatal(err)
		}
		if st == geo.Store(pg) {
			held = got
		}
	}
	var badia []geo.Region
	for _, r := range regions {
		if r.Kind == geo.KindBadia {
			badia = append(badia, r)
		}
	}
	return mem, pg, held, badia
}

// TestRiskContract: PostGIS (in SQL) and the embedded store (in Go) give the
// oracle's level, and each other's, for every cell, on the demo data and on
// a UCDP slice.
func TestRiskContract(t *testing.T) {
	data, err := storetest.SharedDataDir()
	if err != nil {
		t.Fatal(err)
	}
	demoIncs, err := risktest.DemoIncidents()
	if err != nil {
		t.Fatal(err)
	}
	ucdp, err := risktest.UCDPSlice(data, 4)
	if err != nil {
		t.Fatal(err)
	}
	p := risk.DefaultParams()
	ctx := context.Background()
	for _, set := range []struct {
		name  string
		incs  []geo.Incident
		cases []risktest.Case
	}{{"demo", demoIncs, risktest.DemoCases()}, {"ucdp", ucdp, risktest.UCDPCases()}} {
		t.Run(set.name, func(t *testing.T) {
			mem, pg, held, badia := loadBoth(t, set.incs)
			for _, d := range risktest.Differences(ctx, pg, badia, held, p, set.cases) {
				t.Errorf("postgis: %s", d)
			}
			for _, d := range risktest.Differences(ctx, mem, badia, held, p, set.cases) {
				t.Errorf("memstore: %s", d)
			}
			grid, err := risk.NewGrid(p.CellSize, badia)
			if err != nil {
				t.Fatal(err)
			}
			nonzero := 0
			for _, c := range set.cases {
				zp, err := risk.Score(ctx, pg, grid, p, c.Day, c.Filter)
				if err != nil {
					t.Fatal(err)
				}
				zm, err := risk.Score(ctx, mem, grid, p, c.Day, c.Filter)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range risktest.Compare(c.Name+" postgis vs memstore", p, zm.Scores, zp.Scores) {
					t.Error(d)
				}
				levels := map[risk.Level]int{}
				for k := range zp.Scores {
					levels[zp.Level(k)]++
					if zp.Scores[k].Score > 0 {
						nonzero++
					}
				}
				t.Logf("%s: %d cells, levels %v", c.Name, len(grid.Cells), levels)
			}
			if nonzero == 0 {
				t.Error("every cell scored 0 in every case: the comparison proves nothing")
			}
		})
	}
}
