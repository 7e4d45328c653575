package memstore

import (
	"math/rand"
	"testing"

	"github.com/badiamap/badiamap/boundaries"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/storetest"
	"github.com/paulmach/orb"
)

// TestJoinIndexAgreesWithBruteForce compares the grid-accelerated join with
// the suite's brute-force rule on random points over Syria, on every vertex
// of every region and on points a hair off each vertex.
func TestJoinIndexAgreesWithBruteForce(t *testing.T) {
	regions, err := boundaries.All()
	if err != nil {
		t.Fatal(err)
	}
	sortRegions(regions)
	ix := newJoinIndex(regions)
	rng := rand.New(rand.NewSource(1))
	var pts []orb.Point
	for i := 0; i < 100000; i++ {
		pts = append(pts, orb.Point{35.5 + rng.Float64()*7, 32.2 + rng.Float64()*5.3})
	}
	for _, r := range regions {
		for _, p := range r.Geom {
			for _, ring := range p {
				for i, v := range ring {
					if i%3 == 0 {
						pts = append(pts, v, orb.Point{v[0] + 1e-9, v[1]}, orb.Point{v[0], v[1] - 1e-9})
					}
				}
			}
		}
	}
	rule := storetest.JoinRule(regions)
	joined := map[string]int{}
	bad := 0
	for _, p := range pts {
		g, b := ix.join(p)
		wg, wb := rule(p)
		if g != wg || b != wb {
			if bad++; bad <= 10 {
				t.Errorf("point %v: index joins %q/%q, brute force %q/%q", p, g, b, wg, wb)
			}
		}
		joined[g]++
		joined[b]++
	}
	if bad > 0 {
		t.Fatalf("%d of %d points disagree", bad, len(pts))
	}
	// The points must have exercised every region, inside and outside.
	for _, r := range regions {
		if (r.Kind == geo.KindGovernorate || r.Kind == geo.KindBadia) && joined[r.Code] == 0 {
			t.Errorf("no test point joined %s", r.Code)
		}
	}
	if joined[""] == 0 {
		t.Error("no test point fell outside every region")
	}
}
