package postgis_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

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
func loadBoth(t testing.TB, incs []geo.Incident) (*memstore.Store, geo.Store, []geo.Incident, []geo.Region) {
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
		if _, err := st.ReplaceRegions(ctx, regions, nil); err != nil {
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
			nonzero, leftOut := 0, 0
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
					leftOut += zp.Scores[k].LeftOut
				}
				t.Logf("%s: %d cells, levels %v", c.Name, len(grid.Cells), levels)
			}
			if nonzero == 0 {
				t.Error("every cell scored 0 in every case: the comparison proves nothing")
			}
			if set.name == "ucdp" && leftOut == 0 {
				t.Error("no cell left out a coarsely located incident: the precision rule is not compared")
			}
		})
	}
}

// TestRiskChecksAgree: a point check and an area check give the same answer
// on both stores (score, level, incidents, incidents left out for their
// coarse location, counts, contributors), and both name the same latest
// incident date, zero when empty.
func TestRiskChecksAgree(t *testing.T) {
	data, err := storetest.SharedDataDir()
	if err != nil {
		t.Fatal(err)
	}
	ucdp, err := risktest.UCDPSlice(data, 4)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	empty := newStore(t)
	if d, err := empty.LatestIncidentDate(ctx); err != nil || !d.IsZero() {
		t.Errorf("empty PostGIS: latest incident %v, %v; want zero", d, err)
	}
	mem, pg, held, badia := loadBoth(t, ucdp)
	var latest time.Time
	for _, inc := range held {
		if inc.DateStart.After(latest) {
			latest = inc.DateStart
		}
	}
	for name, st := range map[string]geo.Store{"postgis": pg, "memstore": mem} {
		got, err := risk.LatestIncidentDate(ctx, st)
		if err != nil || !got.Equal(latest) {
			t.Errorf("%s: latest incident %v, %v; want %v", name, got, err, latest)
		}
	}
	p := risk.DefaultParams()
	grid, err := risk.NewGrid(p.CellSize, badia)
	if err != nil {
		t.Fatal(err)
	}
	// Points: the places of coarsely located incidents in the Badia (their
	// centroids), on their day, and Palmyra.
	type probe struct {
		at  orb.Point
		day time.Time
	}
	var probes []probe
	for _, inc := range held {
		if inc.Region != "" && !risk.Scored(&inc) && len(probes) < 6 {
			probes = append(probes, probe{inc.Location, inc.DateStart})
		}
	}
	probes = append(probes, probe{orb.Point{38.2684, 34.5510}, latest.AddDate(-2, 0, 0)})
	leftOut := 0
	for _, pr := range probes {
		a, err := risk.CheckPoint(ctx, pg, grid, badia, p, pr.day, geo.IncidentFilter{}, pr.at, 10)
		if err != nil {
			t.Fatal(err)
		}
		b, err := risk.CheckPoint(ctx, mem, grid, badia, p, pr.day, geo.IncidentFilter{}, pr.at, 10)
		if err != nil {
			t.Fatal(err)
		}
		if a.Level != b.Level || a.Incidents != b.Incidents || a.LeftOut != b.LeftOut || math.Abs(a.Score-b.Score) > 1e-9*math.Max(1, a.Score) ||
			!reflect.DeepEqual(a.Counts, b.Counts) || contributorIDs(a.Contributors) != contributorIDs(b.Contributors) {
			t.Errorf("check at %v on %s: postgis %s %g (%d incidents, %d left out, %v), memstore %s %g (%d, %d, %v)", pr.at, pr.day.Format(geo.DateLayout),
				a.Level, a.Score, a.Incidents, a.LeftOut, a.Counts, b.Level, b.Score, b.Incidents, b.LeftOut, b.Counts)
		}
		// The point check scores its cell as the zones do, left-out count included.
		z, err := risk.Score(ctx, pg, grid, p, pr.day, geo.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := grid.Index(a.Cell); ok && a.Level != risk.NotAssessed && (z.Scores[k].LeftOut != a.LeftOut || z.Scores[k].Incidents != a.Incidents) {
			t.Errorf("cell %s: zones count %d incidents and leave out %d, the check %d and %d", a.Cell, z.Scores[k].Incidents, z.Scores[k].LeftOut, a.Incidents, a.LeftOut)
		}
		leftOut += a.LeftOut
		d := 0.1
		area := orb.MultiPolygon{{{{pr.at[0] - d, pr.at[1] - d}, {pr.at[0] + d, pr.at[1] - d}, {pr.at[0] + d, pr.at[1] + d}, {pr.at[0] - d, pr.at[1] + d}, {pr.at[0] - d, pr.at[1] - d}}}}
		aa, err := risk.CheckArea(ctx, pg, grid, p, pr.day, geo.IncidentFilter{}, area, 10)
		if err != nil {
			t.Fatal(err)
		}
		ab, err := risk.CheckArea(ctx, mem, grid, p, pr.day, geo.IncidentFilter{}, area, 10)
		if err != nil {
			t.Fatal(err)
		}
		if aa.WeightedLevel != ab.WeightedLevel || aa.LeftOut != ab.LeftOut || math.Abs(aa.WeightedScore-ab.WeightedScore) > 1e-9*math.Max(1, aa.WeightedScore) ||
			contributorIDs(aa.Contributors) != contributorIDs(ab.Contributors) {
			t.Errorf("area at %v on %s: postgis %s %g (%d left out), memstore %s %g (%d left out)", pr.at, pr.day.Format(geo.DateLayout),
				aa.WeightedLevel, aa.WeightedScore, aa.LeftOut, ab.WeightedLevel, ab.WeightedScore, ab.LeftOut)
		}
		leftOut += aa.LeftOut
	}
	if leftOut == 0 {
		t.Error("no check left out a coarsely located incident: the comparison proves nothing")
	}
}

func contributorIDs(list []risk.Contributor) string {
	ids := make([]string, len(list))
	for k, c := range list {
		ids[k] = fmt.Sprint(c.Incident.ID)
	}
	return strings.Join(ids, ",")
}

// BenchmarkRiskScores scores the zones of one day on the whole UCDP release
// in both stores, at the default cell size and at the former 6,000 m.
func BenchmarkRiskScores(b *testing.B) {
	data, err := storetest.SharedDataDir()
	if err != nil {
		b.Fatal(err)
	}
	ucdp, err := risktest.UCDPSlice(data, 1)
	if err != nil {
		b.Fatal(err)
	}
	mem, pg, _, badia := loadBoth(b, ucdp)
	ctx := context.Background()
	day := time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, size := range []float64{risk.DefaultParams().CellSize, 6000} {
		p := risk.DefaultParams()
		p.CellSize = size
		grid, err := risk.NewGrid(size, badia)
		if err != nil {
			b.Fatal(err)
		}
		for name, st := range map[string]geo.Store{"postgis": pg, "memstore": mem} {
			b.Run(fmt.Sprintf("%s/size=%g/cells=%d", name, size, len(grid.Cells)), func(b *testing.B) {
				for b.Loop() {
					if _, err := risk.Score(ctx, st, grid, p, day, geo.IncidentFilter{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
