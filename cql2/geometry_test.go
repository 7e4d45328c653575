package cql2_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/badiamap/badiamap/cql2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// TestIntersectsAgreesWithPlanar compares S_INTERSECTS with orb/planar on
// random star-shaped polygons with a hole, at random points, which lie on no
// edge: there the two must agree.
func TestIntersectsAgreesWithPlanar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ring := func(cx, cy, r float64, n int) orb.Ring {
		var out orb.Ring
		for i := range n {
			a := 2 * math.Pi * float64(i) / float64(n)
			rr := r * (0.5 + rng.Float64()/2)
			out = append(out, orb.Point{cx + rr*math.Cos(a), cy + rr*math.Sin(a)})
		}
		return append(out, out[0])
	}
	wkt := func(r orb.Ring) string {
		var pts []string
		for _, p := range r {
			pts = append(pts, fmt.Sprintf("%v %v", p[0], p[1]))
		}
		return "(" + strings.Join(pts, ", ") + ")"
	}
	agree, inside := 0, 0
	for range 50 {
		pg := orb.Polygon{ring(38.5, 34.5, 1, 12+rng.IntN(30)), ring(38.5, 34.5, 0.2, 8)}
		e, err := cql2.CheckText("S_INTERSECTS(geometry, POLYGON("+wkt(pg[0])+", "+wkt(pg[1])+"))", queryables)
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			p := orb.Point{37.3 + 2.4*rng.Float64(), 33.3 + 2.4*rng.Float64()}
			got, err := cql2.Eval(e, cql2.Values{"geometry": p})
			if err != nil {
				t.Fatal(err)
			}
			if want := planar.PolygonContains(pg, p); got != want {
				t.Fatalf("point %v: S_INTERSECTS %v, planar %v", p, got, want)
			}
			agree++
			if got {
				inside++
			}
		}
	}
	if inside < agree/10 || inside > agree*9/10 {
		t.Fatalf("%d of %d points inside: the test does not discriminate", inside, agree)
	}
}

// TestNearEdge uses points for which the floating-point cross product with
// the edge (38.123456789 34.987654321)-(39.7654321 35.1234567) is exactly
// zero, though in exact arithmetic the first lies left of it and the second
// right. On a polygon ring both count as on the edge, as in PostGIS's
// point-in-polygon test; on a line neither does, as in GEOS.
func TestNearEdge(t *testing.T) {
	tri := "POLYGON((38.123456789 34.987654321, 39.7654321 35.1234567, 38.9 36, 38.123456789 34.987654321))"
	line := "LINESTRING(38.123456789 34.987654321, 39.7654321 35.1234567)"
	left := orb.Point{39.588951036702355, 35.10886053154137}
	right := orb.Point{38.26627536640674, 34.99946637593609}
	for _, c := range []struct {
		filter string
		p      orb.Point
		want   bool
	}{
		{"S_INTERSECTS(geometry, " + tri + ")", left, true},
		{"S_INTERSECTS(geometry, " + tri + ")", right, true},
		{"S_WITHIN(geometry, " + tri + ")", left, false},
		{"S_TOUCHES(geometry, " + tri + ")", right, true},
		{"S_INTERSECTS(geometry, " + line + ")", left, false},
		{"S_INTERSECTS(geometry, " + line + ")", right, false},
		{"S_TOUCHES(geometry, " + line + ")", left, false},
	} {
		e, err := cql2.CheckText(c.filter, queryables)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cql2.Eval(e, cql2.Values{"geometry": c.p})
		if err != nil || got != c.want {
			t.Errorf("%s at %v: got %v (%v), want %v", c.filter, c.p, got, err, c.want)
		}
	}
}
