package postgis

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestPolygonIntersectsPoint holds the Go point test to ST_Intersects's
// answers for the cases a point-in-polygon test gets wrong most often: on a
// vertex, on an edge, in a hole, on a hole's edge, level with a vertex.
func TestPolygonIntersectsPoint(t *testing.T) {
	square := orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}
	hole := orb.Ring{{4, 4}, {4, 6}, {6, 6}, {6, 4}, {4, 4}}
	withHole := orb.Polygon{square, hole}
	diamond := orb.Polygon{{{5, 0}, {10, 5}, {5, 10}, {0, 5}, {5, 0}}}
	cases := []struct {
		name string
		poly orb.Polygon
		p    orb.Point
		want bool
	}{
		{"inside", withHole, orb.Point{2, 2}, true},
		{"outside", withHole, orb.Point{-1, 2}, false},
		{"on a vertex", withHole, orb.Point{0, 0}, true},
		{"on a bottom edge", withHole, orb.Point{5, 0}, true},
		{"on a side edge", withHole, orb.Point{10, 5}, true},
		{"in line with an edge, beyond it", withHole, orb.Point{0, 12}, false},
		{"in the hole", withHole, orb.Point{5, 5}, false},
		{"on the hole's edge", withHole, orb.Point{4, 5}, true},
		{"on the hole's vertex", withHole, orb.Point{6, 6}, true},
		{"level with a vertex, inside", diamond, orb.Point{2, 5}, true},
		{"level with a vertex, outside", diamond, orb.Point{-2, 5}, false},
		{"level with the top vertex, outside", diamond, orb.Point{2, 10}, false},
		{"on a sloping edge", diamond, orb.Point{7.5, 2.5}, true},
		{"just off a sloping edge", diamond, orb.Point{7.5, 2.4999999}, false},
	}
	for _, c := range cases {
		if got := polygonIntersectsPoint(c.poly, c.p); got != c.want {
			t.Errorf("%s: %v in polygon = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}
