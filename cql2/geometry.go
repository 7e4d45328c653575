package cql2

import (
	"math/big"

	"github.com/paulmach/orb"
)

// location is where a point lies relative to a geometry, in the sense of
// DE-9IM: its interior, its boundary, or its exterior.
type location int

const (
	exterior location = iota
	boundary
	interior
)

// orientation is the exact sign of the cross product (b-a) x (c-a): +1 when c
// lies left of a->b, -1 right, 0 on the line. Whether a point lies on a line
// is decided exactly, as GEOS does for ST_Intersects and ST_Touches with
// lines, so a near-zero result is recomputed in exact rational arithmetic.
func orientation(a, b, c orb.Point) int {
	l, r := float64((b[0]-a[0])*(c[1]-a[1])), float64((b[1]-a[1])*(c[0]-a[0]))
	det := l - r
	// Error bound of the float evaluation (Shewchuk's orient2d filter).
	bound := 3.3306690738754716e-16 * (abs(l) + abs(r))
	if det > bound {
		return 1
	}
	if det < -bound {
		return -1
	}
	rat := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(rat(x), rat(y)) }
	left := new(big.Rat).Mul(sub(b[0], a[0]), sub(c[1], a[1]))
	right := new(big.Rat).Mul(sub(b[1], a[1]), sub(c[0], a[0]))
	return left.Cmp(right)
}

// ringSide is the side test of PostGIS's point-in-polygon shortcut, which
// ST_Intersects, ST_Within and ST_Contains take for a point and a polygon:
// the same floating-point expression, so both stores put a point within
// rounding error of an edge on the same side. The conversions keep Go from
// fusing the products into one rounding.
func ringSide(a, b, p orb.Point) int {
	side := float64((b[0]-a[0])*(p[1]-a[1])) - float64((p[0]-a[0])*(b[1]-a[1]))
	switch {
	case side > 0:
		return 1
	case side < 0:
		return -1
	}
	return 0
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// onSegment reports whether p lies on the closed segment a-b.
func onSegment(p, a, b orb.Point) bool {
	if p[0] < min(a[0], b[0]) || p[0] > max(a[0], b[0]) || p[1] < min(a[1], b[1]) || p[1] > max(a[1], b[1]) {
		return false
	}
	return orientation(a, b, p) == 0
}

// locateInRing says whether p is inside, on, or outside a closed ring, by
// counting crossings of a ray from p towards +x with a half-open rule so a
// vertex is counted once.
func locateInRing(p orb.Point, r orb.Ring) location {
	crossings := 0
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if a[0] < p[0] && b[0] < p[0] { // wholly left of p
			continue
		}
		if p == b {
			return boundary
		}
		if a[1] == p[1] && b[1] == p[1] { // horizontal, on p's line
			if p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) {
				return boundary
			}
			continue
		}
		if (a[1] > p[1] && b[1] <= p[1]) || (b[1] > p[1] && a[1] <= p[1]) {
			o := ringSide(a, b, p)
			if o == 0 {
				return boundary
			}
			if b[1] < a[1] {
				o = -o
			}
			if o > 0 {
				crossings++
			}
		}
	}
	if crossings%2 == 1 {
		return interior
	}
	return exterior
}

// locateInPolygon stands in for orb/planar's PolygonContains, which counts a
// point on a hole's ring as outside where ST_Intersects counts it in.
func locateInPolygon(p orb.Point, pg orb.Polygon) location {
	switch locateInRing(p, pg[0]) {
	case exterior:
		return exterior
	case boundary:
		return boundary
	}
	for _, hole := range pg[1:] {
		switch locateInRing(p, hole) {
		case boundary:
			return boundary
		case interior:
			return exterior
		}
	}
	return interior
}

// locateOnLines applies the mod-2 boundary rule of OGC simple features: an
// end point shared by an even number of line ends is interior.
func locateOnLines(p orb.Point, lines ...orb.LineString) location {
	on, ends := false, 0
	for _, ls := range lines {
		for i := 0; i+1 < len(ls) && !on; i++ {
			on = onSegment(p, ls[i], ls[i+1])
		}
		if ls[0] == p {
			ends++
		}
		if ls[len(ls)-1] == p {
			ends++
		}
	}
	switch {
	case !on:
		return exterior
	case ends%2 == 1:
		return boundary
	}
	return interior
}

// locate says where p lies relative to g.
func locate(p orb.Point, g orb.Geometry) location {
	switch g := g.(type) {
	case orb.Point:
		if p == g {
			return interior
		}
	case orb.MultiPoint:
		for _, q := range g {
			if p == q {
				return interior
			}
		}
	case orb.LineString:
		return locateOnLines(p, g)
	case orb.MultiLineString:
		return locateOnLines(p, g...)
	case orb.Polygon:
		return locateInPolygon(p, g)
	case orb.MultiPolygon:
		// Valid multipolygons have disjoint interiors, so the best of the
		// parts is where p lies.
		best := exterior
		for _, pg := range g {
			best = max(best, locateInPolygon(p, pg))
		}
		return best
	case orb.Bound:
		if p[0] < g.Min[0] || p[0] > g.Max[0] || p[1] < g.Min[1] || p[1] > g.Max[1] {
			return exterior
		}
		if p[0] == g.Min[0] || p[0] == g.Max[0] || p[1] == g.Min[1] || p[1] == g.Max[1] {
			return boundary
		}
		return interior
	case orb.Collection:
		// Used for S_INTERSECTS and S_DISJOINT only, where any part counts.
		best := exterior
		for _, m := range g {
			best = max(best, locate(p, m))
		}
		return best
	}
	return exterior
}

// onlyPoint reports whether every point of g is p: then p and g are equal
// point sets, and g lies within p.
func onlyPoint(p orb.Point, g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Point:
		return g == p
	case orb.MultiPoint:
		for _, q := range g {
			if q != p {
				return false
			}
		}
		return len(g) > 0
	}
	return false
}

// relatePoint evaluates op(p, g) for a point p and any geometry g. For a
// single point the DE-9IM definitions reduce to where p lies: a point has no
// boundary, so it never crosses or overlaps anything.
func relatePoint(op SpatialOp, p orb.Point, g orb.Geometry) bool {
	switch op {
	case SIntersects:
		return locate(p, g) != exterior
	case SDisjoint:
		return locate(p, g) == exterior
	case SWithin:
		return locate(p, g) == interior
	case STouches:
		return locate(p, g) == boundary
	case SContains, SEquals:
		return onlyPoint(p, g)
	}
	return false // SCrosses, SOverlaps
}

// converse is the function with its arguments swapped: op(a,b) = converse(op)(b,a).
func converse(op SpatialOp) SpatialOp {
	switch op {
	case SWithin:
		return SContains
	case SContains:
		return SWithin
	}
	return op
}
